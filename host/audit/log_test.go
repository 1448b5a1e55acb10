package audit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeStore is a function-field Store for testing Log alone.
type fakeStore struct {
	AppendFunc func(context.Context, Entry) (Entry, error)
	ListFunc   func(context.Context, Filter) (Page, error)
	VerifyFunc func(context.Context) (Report, error)
}

func (f *fakeStore) Append(ctx context.Context, e Entry) (Entry, error) { return f.AppendFunc(ctx, e) }
func (f *fakeStore) AppendBatch(ctx context.Context, es []Entry) ([]Entry, error) {
	out := make([]Entry, len(es))
	for i, e := range es {
		var err error
		if out[i], err = f.AppendFunc(ctx, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}
func (f *fakeStore) List(ctx context.Context, fl Filter) (Page, error) { return f.ListFunc(ctx, fl) }
func (f *fakeStore) Verify(ctx context.Context) (Report, error)        { return f.VerifyFunc(ctx) }

func TestLogAppend(t *testing.T) {
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 123_456_789, time.FixedZone("X", 7200))
	cases := []struct {
		name    string
		in      func() Entry
		wantErr error
		check   func(t *testing.T, got Entry)
	}{
		{"zero time becomes now, to the microsecond, in UTC", func() Entry {
			e := sampleEntry()
			e.Time = time.Time{}
			return e
		}, nil, func(t *testing.T, got Entry) {
			if want := fixed.UTC().Truncate(time.Microsecond); !got.Time.Equal(want) || got.Time.Location() != time.UTC {
				t.Errorf("time = %v, want %v", got.Time, want)
			}
		}},
		{"store-assigned fields are cleared", func() Entry {
			e := sampleEntry()
			e.Seq, e.PrevHash, e.Hash = 9, "p", "h"
			return e
		}, nil, func(t *testing.T, got Entry) {
			if got.Seq != 0 || got.PrevHash != "" || got.Hash != "" {
				t.Errorf("store got %d %q %q", got.Seq, got.PrevHash, got.Hash)
			}
		}},
		{"invalid entry never reaches the store", func() Entry { return Entry{Kind: KindInvoke} }, ErrInvalidEntry, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got *Entry
			l := NewLog(&fakeStore{AppendFunc: func(_ context.Context, e Entry) (Entry, error) {
				got = &e
				return e, nil
			}})
			l.now = func() time.Time { return fixed }
			err := l.Append(context.Background(), c.in())
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if c.check != nil {
				c.check(t, *got)
			} else if got != nil {
				t.Error("the store was called")
			}
		})
	}
}

func TestLogAppendOutlivesCanceledCaller(t *testing.T) {
	var ctxErr error
	l := NewLog(&fakeStore{AppendFunc: func(ctx context.Context, e Entry) (Entry, error) {
		ctxErr = ctx.Err()
		return e, nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Append(ctx, sampleEntry()); err != nil || ctxErr != nil {
		t.Errorf("append = %v, store saw ctx err %v; want both nil", err, ctxErr)
	}
}

func TestLogWrapsStoreErrors(t *testing.T) {
	boom := errors.New("disk full")
	l := NewLog(&fakeStore{
		AppendFunc: func(context.Context, Entry) (Entry, error) { return Entry{}, boom },
		ListFunc:   func(context.Context, Filter) (Page, error) { return Page{}, boom },
		VerifyFunc: func(context.Context) (Report, error) { return Report{}, boom },
	})
	ctx := context.Background()
	_, listErr := l.List(ctx, Filter{})
	_, verifyErr := l.Verify(ctx)
	for name, err := range map[string]error{"append": l.Append(ctx, sampleEntry()), "list": listErr, "verify": verifyErr} {
		if !errors.Is(err, boom) {
			t.Errorf("%s: err = %v, want it to wrap the store's", name, err)
		}
	}
}
