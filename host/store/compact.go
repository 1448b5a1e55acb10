package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize bounds the copy's transactions, so that compacting a large
// file does not hold all of it in one transaction's memory.
const compactTxSize = 64 << 20

// Compact rewrites the database file at path without its free pages and
// returns its size before and after. bbolt reuses the pages of deleted
// records but never gives them back to the file system; this does.
//
// It refuses (ErrLocked) while another process, such as a running
// `saa serve`, holds the file, and it holds the file itself until the copy
// has replaced it, so that no server can start on the old file meanwhile.
// The copy is written beside the file and renamed over it only once it is
// complete and synced: an interruption leaves the original intact.
func Compact(path string) (before, after int64, err error) {
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return 0, 0, fmt.Errorf("compact %s: %w", path, ErrLocked)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	defer src.Close()
	tmp := path + ".compact"
	_ = os.Remove(tmp) // a copy left by an interrupted run
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := bolt.Compact(dst, src, compactTxSize); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := errors.Join(dst.Sync(), dst.Close()); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if before, err = fileSize(path); err == nil {
		after, err = fileSize(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return before, after, nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
