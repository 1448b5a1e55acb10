package bundle

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"time"
)

// epoch is every entry's modification time, so that packing the same
// inputs gives the same bytes.
var epoch = time.Unix(0, 0).UTC()

// Pack writes b as a bundle: a gzip-compressed tar of the manifest (under
// b.ManifestName, ManifestYAML if empty), plugin.wasm and, if b is signed,
// the signature. The output depends only on b.
func (b *Bundle) Pack(w io.Writer) error {
	name := b.ManifestName
	if name == "" {
		name = ManifestYAML
	}
	if name != ManifestYAML && name != ManifestJSON {
		return fmt.Errorf("pack bundle: manifest name %q is not %s or %s", name, ManifestYAML, ManifestJSON)
	}
	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return fmt.Errorf("pack bundle: %w", err)
	}
	tw := tar.NewWriter(zw)
	files := []file{{name, b.ManifestRaw}, {WasmEntry, b.Wasm}}
	if b.Signature != nil {
		files = append(files, file{SignatureEntry, b.Signature.marshal()})
	}
	for _, f := range files {
		if err := writeFile(tw, f.name, f.data); err != nil {
			return fmt.Errorf("pack bundle: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack bundle: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("pack bundle: %w", err)
	}
	return nil
}

// file is one entry to write.
type file struct {
	name string
	data []byte
}

func writeFile(tw *tar.Writer, name string, data []byte) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o644,
		ModTime: epoch, Format: tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
