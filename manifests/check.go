package manifests

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/secure-agent/saa/host/hostscope"
)

// check applies the rules schema.json cannot express, in document order, and
// compiles the action schemas into m.
func check(m *Manifest) *FieldError {
	if hostscope.IsReserved(m.Name) {
		return fieldErr("name", fmt.Sprintf("%q is reserved for the host's own scopes (%s)", m.Name, strings.Join(hostscope.Reserved(), ", ")))
	}
	if err := checkWasm(m.Wasm); err != nil {
		return err
	}
	egress, err := checkEgress(m.Egress)
	if err != nil {
		return err
	}
	if err := checkSecrets(m.Secrets, egress); err != nil {
		return err
	}
	if err := checkRAG(m.Actions); err != nil {
		return err
	}
	if err := checkWarehouses(m.Warehouses); err != nil {
		return err
	}
	if err := checkMCPDecls(m); err != nil {
		return err
	}
	return compileActions(m)
}

// checkWasm refuses module paths that cannot be relative to the manifest.
func checkWasm(w Wasm) *FieldError {
	switch {
	case filepath.IsAbs(w.Path) || strings.HasPrefix(w.Path, "/") || strings.HasPrefix(w.Path, `\`):
		return fieldErr("wasm.path", "must be relative to the manifest's folder")
	case strings.ContainsRune(w.Path, 0):
		return fieldErr("wasm.path", "must not contain NUL")
	}
	return nil
}

// checkEgress parses every egress entry and refuses duplicates after
// normalisation. It returns the index of each normalised rule.
func checkEgress(entries []string) (map[string]int, *FieldError) {
	seen := make(map[string]int, len(entries))
	for i, e := range entries {
		field := fmt.Sprintf("egress[%d]", i)
		r, reason := parseEgressRule(e)
		if reason != "" {
			return nil, fieldErr(field, reason)
		}
		if j, dup := seen[r.String()]; dup {
			return nil, fieldErr(field, fmt.Sprintf("same rule as egress[%d]", j))
		}
		seen[r.String()] = i
	}
	return seen, nil
}

// forbiddenHeaders are headers a secret may not be injected into: they frame
// or route the request, so a value there could smuggle or redirect it.
var forbiddenHeaders = map[string]bool{
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
	"upgrade": true, "te": true, "trailer": true, "keep-alive": true, "proxy-connection": true,
	"expect": true,
}

// checkSecrets refuses duplicate secret names, framing headers, and hosts
// that are not egress entries.
func checkSecrets(secrets []Secret, egress map[string]int) *FieldError {
	names := make(map[string]int, len(secrets))
	for i, s := range secrets {
		field := fmt.Sprintf("secrets[%d]", i)
		if j, dup := names[s.Name]; dup {
			return fieldErr(field+".name", fmt.Sprintf("same name as secrets[%d]", j))
		}
		names[s.Name] = i
		if forbiddenHeaders[strings.ToLower(s.Header)] {
			return fieldErr(field+".header", "must not be a header that frames or routes the request")
		}
		if err := checkSecretHosts(field, s.Hosts, egress); err != nil {
			return err
		}
		if err := checkPerUser(field, s); err != nil {
			return err
		}
	}
	return nil
}

// checkPerUser ties per_user and oauth together: a per-user secret must say
// which provider the user connects, and only a per-user secret may.
func checkPerUser(field string, s Secret) *FieldError {
	switch {
	case s.PerUser && s.OAuth == nil:
		return fieldErr(field+".oauth", "required when per_user is true (the provider the user connects)")
	case !s.PerUser && s.OAuth != nil:
		return fieldErr(field+".oauth", "only a per_user secret comes from a connected account")
	}
	return nil
}

// checkSecretHosts refuses a secret host that is not one of the egress entries.
func checkSecretHosts(field string, hosts []string, egress map[string]int) *FieldError {
	seen := make(map[string]bool, len(hosts))
	for j, h := range hosts {
		hf := fmt.Sprintf("%s.hosts[%d]", field, j)
		r, reason := parseEgressRule(h)
		if reason != "" {
			return fieldErr(hf, reason)
		}
		if _, ok := egress[r.String()]; !ok {
			return fieldErr(hf, "must be one of the egress entries")
		}
		if seen[r.String()] {
			return fieldErr(hf, "duplicate host")
		}
		seen[r.String()] = true
	}
	return nil
}

// checkWarehouses refuses a warehouse declared twice.
func checkWarehouses(ws []Warehouse) *FieldError {
	seen := map[string]bool{}
	for i, w := range ws {
		if seen[w.Name] {
			return fieldErr(fmt.Sprintf("warehouses[%d].name", i), "declared twice")
		}
		seen[w.Name] = true
	}
	return nil
}
