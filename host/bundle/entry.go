package bundle

import (
	"archive/tar"
	"fmt"
	"strings"
)

// checkHeader applies the rules on an entry's name and type, in the order
// that gives the most precise reason.
func checkHeader(hdr *tar.Header, seen map[string][]byte) error {
	if err := checkPath(hdr.Name); err != nil {
		return err
	}
	if err := checkType(hdr); err != nil {
		return err
	}
	name := hdr.Name
	if !allowed(name) {
		return fail(ErrUnexpectedEntry, name, "a bundle holds only "+ManifestYAML+" (or "+ManifestJSON+"), "+WasmEntry+" and "+SignatureEntry)
	}
	if _, dup := seen[name]; dup {
		return fail(ErrDuplicate, name, "appears twice")
	}
	if other := otherManifest(name); other != "" {
		if _, dup := seen[other]; dup {
			return fail(ErrDuplicate, name, "the bundle already has "+other)
		}
	}
	return nil
}

// checkPath refuses names that could address anything but a file at the
// top level of an extraction directory.
func checkPath(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "empty name"
	case hasControl(name):
		reason = "control character in the name"
	case strings.HasPrefix(name, "/") || hasDrive(name):
		reason = "absolute path"
	case hasDotDot(name):
		reason = "path traversal with .."
	case strings.Contains(name, `\`):
		reason = "backslash in the name"
	case strings.Contains(name, "/"):
		reason = "directories are not allowed: the archive must be flat"
	}
	if reason != "" {
		return fail(ErrUnsafePath, name, reason)
	}
	return nil
}

// hasDrive reports a Windows drive prefix such as "C:".
func hasDrive(name string) bool {
	if len(name) < 2 || name[1] != ':' {
		return false
	}
	c := name[0] | 0x20
	return c >= 'a' && c <= 'z'
}

// hasDotDot reports whether any segment, split at either separator, is "..".
func hasDotDot(name string) bool {
	for _, seg := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}

// checkType accepts regular files only.
func checkType(hdr *tar.Header) error {
	var reason string
	switch hdr.Typeflag {
	case tar.TypeReg:
		return nil
	case tar.TypeDir:
		reason = "a directory"
	case tar.TypeSymlink:
		reason = "a symbolic link to " + quote(hdr.Linkname)
	case tar.TypeLink:
		reason = "a hard link to " + quote(hdr.Linkname)
	case tar.TypeChar, tar.TypeBlock:
		reason = "a device"
	case tar.TypeFifo:
		reason = "a FIFO"
	default:
		reason = fmt.Sprintf("of type %q", hdr.Typeflag)
	}
	return fail(ErrEntryType, hdr.Name, "is "+reason)
}

func allowed(name string) bool {
	switch name {
	case ManifestYAML, ManifestJSON, WasmEntry, SignatureEntry:
		return true
	}
	return false
}

// otherManifest returns the manifest name that excludes name, if name is one.
func otherManifest(name string) string {
	switch name {
	case ManifestYAML:
		return ManifestJSON
	case ManifestJSON:
		return ManifestYAML
	}
	return ""
}

// entryLimit is the bound of an allowed entry.
func entryLimit(name string, lim Limits) int64 {
	switch name {
	case WasmEntry:
		return lim.MaxWasm
	case SignatureEntry:
		return maxSignature
	}
	return lim.MaxManifest
}
