// Package bundle reads and writes plugin bundles: the one file a third-party
// publisher uploads to SAA. A bundle is a gzip-compressed tar archive holding
// exactly these regular files, at the top level:
//
//	manifest.yaml  (or manifest.json) the plugin's manifest, at most 1 MiB
//	plugin.wasm    the module whose SHA-256 the manifest pins in wasm.sha256
//	signature      optional: {"key_id", "public_key", "signature"} in JSON
//
// The signature is ed25519 over the domain-separated message
//
//	"saa-plugin-bundle-v1\n" + hex(sha256(manifest bytes)) + "\n" + hex(sha256(plugin.wasm))
//
// so that a signature over anything else (another protocol, another format
// version) can never pass for a bundle's. The manifest's wasm.path is
// ignored in a bundle: the module is always the plugin.wasm entry.
//
// Parse treats every byte as hostile. It bounds the archive, each entry, the
// number of entries and the total decompressed size (also as a ratio of the
// compressed size, against compression bombs); it refuses absolute, ".."
// and backslash paths, directories, links, devices and every entry that is
// not one of the three above, duplicates, data after the archive's end, a
// module that does not match the manifest's hash and a signature that does
// not verify. Every rejection is an *Error wrapping ErrInvalid and a
// sentinel naming the reason.
//
// This package must never write an entry to disk or resolve a path from an
// archive: it reads bundles into memory only. A valid signature proves who
// made a bundle, not that it is safe: whether a key is trusted is the
// registry's decision (host/registry), and what the plugin may do is the
// manifest's, approved by an admin.
package bundle
