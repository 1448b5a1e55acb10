package accounts

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/secrets"
)

// Status of a connected account.
const (
	StatusConnected       = "connected"
	StatusReconnectNeeded = "reconnect_needed"
)

// Account is one user's connection to one provider. Its tokens never leave
// the package except through Service.Token.
type Account struct {
	Subject      string    `json:"subject"`
	Provider     string    `json:"provider"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`
	Status       string    `json:"status"`
	ConnectedAt  time.Time `json:"connected_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Store keeps provider configs and accounts. Provider and Account return
// errors wrapping ErrProviderNotFound and ErrNotConnected for a missing one
// (so do the deletes); Providers is sorted by name and Accounts (of one
// subject only) by provider. accountstest.TestStore checks all of this.
type Store interface {
	PutProvider(ctx context.Context, p Provider) error
	Provider(ctx context.Context, name string) (Provider, error)
	Providers(ctx context.Context) ([]Provider, error)
	DeleteProvider(ctx context.Context, name string) error

	PutAccount(ctx context.Context, a Account) error
	Account(ctx context.Context, subject, provider string) (Account, error)
	Accounts(ctx context.Context, subject string) ([]Account, error)
	DeleteAccount(ctx context.Context, subject, provider string) error
}

// SealedStore is the Store over a secrets.Box: every record, not only its
// tokens, is sealed, and a record's key is its additional data, so one
// user's record copied under another user's key does not open.
type SealedStore struct{ box *secrets.Box }

var _ Store = (*SealedStore)(nil)

// NewSealedStore returns a Store over box.
func NewSealedStore(box *secrets.Box) *SealedStore { return &SealedStore{box: box} }

const (
	providerPrefix = "provider/"
	accountPrefix  = "account/"
)

// accountKey is "account/<base64url(subject)>/<provider>": a subject is
// any string, so it is encoded to keep "/" out of it.
func accountKey(subject, provider string) string {
	return accountPrefix + base64.RawURLEncoding.EncodeToString([]byte(subject)) + "/" + provider
}

// PutProvider stores p, replacing one of the same name.
func (s *SealedStore) PutProvider(ctx context.Context, p Provider) error {
	return s.put(ctx, providerPrefix+p.Name, p)
}

// Provider returns the provider called name.
func (s *SealedStore) Provider(ctx context.Context, name string) (Provider, error) {
	var p Provider
	err := s.get(ctx, providerPrefix+name, &p)
	if errors.Is(err, secrets.ErrNotFound) {
		return p, fmt.Errorf("%w: %s", ErrProviderNotFound, name)
	}
	return p, err
}

// Providers returns every provider, sorted by name.
func (s *SealedStore) Providers(ctx context.Context) ([]Provider, error) {
	keys, err := s.keys(ctx, providerPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Provider, 0, len(keys))
	for _, k := range keys {
		var p Provider
		if err := s.get(ctx, k, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// DeleteProvider removes the provider called name.
func (s *SealedStore) DeleteProvider(ctx context.Context, name string) error {
	err := s.box.Delete(ctx, providerPrefix+name)
	if errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrProviderNotFound, name)
	}
	return err
}

// PutAccount stores a, replacing the subject's account at the same provider.
func (s *SealedStore) PutAccount(ctx context.Context, a Account) error {
	if a.Subject == "" || a.Provider == "" {
		return errors.New("put account: subject and provider are required")
	}
	return s.put(ctx, accountKey(a.Subject, a.Provider), a)
}

// Account returns subject's account at provider.
func (s *SealedStore) Account(ctx context.Context, subject, provider string) (Account, error) {
	var a Account
	err := s.get(ctx, accountKey(subject, provider), &a)
	if errors.Is(err, secrets.ErrNotFound) {
		return a, fmt.Errorf("%w: %s", ErrNotConnected, provider)
	}
	if err == nil && (a.Subject != subject || a.Provider != provider) {
		return Account{}, errors.New("get account: record does not match its key")
	}
	return a, err
}

// Accounts returns subject's accounts, sorted by provider.
func (s *SealedStore) Accounts(ctx context.Context, subject string) ([]Account, error) {
	keys, err := s.keys(ctx, accountKey(subject, ""))
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(keys))
	for _, k := range keys {
		var a Account
		if err := s.get(ctx, k, &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DeleteAccount removes subject's account at provider.
func (s *SealedStore) DeleteAccount(ctx context.Context, subject, provider string) error {
	err := s.box.Delete(ctx, accountKey(subject, provider))
	if errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNotConnected, provider)
	}
	return err
}

func (s *SealedStore) put(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	if err := s.box.Put(ctx, key, b); err != nil {
		return fmt.Errorf("put record: %w", err)
	}
	return nil
}

func (s *SealedStore) get(ctx context.Context, key string, v any) error {
	b, err := s.box.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("get record: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode record: %w", err)
	}
	return nil
}

// keys returns the keys starting with prefix, in byte order.
func (s *SealedStore) keys(ctx context.Context, prefix string) ([]string, error) {
	all, err := s.box.Keys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list records: %w", err)
	}
	var out []string
	for _, k := range all {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out, nil
}
