package audit

import (
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Seq:         7,
		Time:        time.Date(2030, 1, 2, 3, 4, 5, 678_901_000, time.UTC),
		Kind:        KindInvoke,
		ClientID:    "client-a",
		Subject:     "user-1",
		Delegation:  []string{"agent-x"},
		Plugin:      "github",
		Action:      "create_issue",
		InputSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Egress:      []string{"https://api.github.com"},
		Secrets:     []string{"token"},
		Outcome:     OutcomeOK,
		Error:       "",
		DurationMS:  42,
		RunID:       "run_1",
		Detail:      "",
		PrevHash:    "ab",
	}
}

// The hash of a fixed entry is part of the on-disk format: if this changes,
// every stored chain stops verifying.
func TestComputeHashGolden(t *testing.T) {
	const want = "2d8a03ed061eada487fee7de039d341f5ab90f9432679f48779414faa4836732"
	if got := sampleEntry().ComputeHash(); got != want {
		t.Errorf("hash = %s, want %s", got, want)
	}
}

func TestComputeHashCoversEveryField(t *testing.T) {
	cases := map[string]func(*Entry){
		"seq":          func(e *Entry) { e.Seq++ },
		"time":         func(e *Entry) { e.Time = e.Time.Add(time.Nanosecond) },
		"kind":         func(e *Entry) { e.Kind = KindAdmin },
		"client":       func(e *Entry) { e.ClientID = "client-b" },
		"subject":      func(e *Entry) { e.Subject = "user-2" },
		"delegation":   func(e *Entry) { e.Delegation = nil },
		"plugin":       func(e *Entry) { e.Plugin = "gitlab" },
		"action":       func(e *Entry) { e.Action = "delete_repo" },
		"input hash":   func(e *Entry) { e.InputSHA256 = "00" },
		"egress":       func(e *Entry) { e.Egress = append(e.Egress, "https://evil.example") },
		"secrets":      func(e *Entry) { e.Secrets = []string{"other"} },
		"outcome":      func(e *Entry) { e.Outcome = "plugin-failed" },
		"error":        func(e *Entry) { e.Error = "boom" },
		"duration":     func(e *Entry) { e.DurationMS = 1 },
		"run id":       func(e *Entry) { e.RunID = "run_2" },
		"detail":       func(e *Entry) { e.Detail = "x" },
		"reads":        func(e *Entry) { e.Reads = []string{"support:tickets.customer_email"} },
		"prev hash":    func(e *Entry) { e.PrevHash = "cd" },
		"list split":   func(e *Entry) { e.Egress = []string{"https://api.", "github.com"} },
		"field moved":  func(e *Entry) { e.Plugin, e.Action = "githubcreate_issue", "" },
		"list shifted": func(e *Entry) { e.Egress, e.Secrets = nil, []string{"https://api.github.com", "token"} },
	}
	base := sampleEntry().ComputeHash()
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := sampleEntry()
			mutate(&e)
			if e.ComputeHash() == base {
				t.Error("hash unchanged")
			}
		})
	}
}

func TestComputeHashIgnores(t *testing.T) {
	cases := map[string]func(*Entry){
		"hash itself": func(e *Entry) { e.Hash = "anything" },
		"time zone":   func(e *Entry) { e.Time = e.Time.In(time.FixedZone("X", 3600)) },
	}
	base := sampleEntry().ComputeHash()
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := sampleEntry()
			mutate(&e)
			if e.ComputeHash() != base {
				t.Error("hash changed")
			}
		})
	}
	empty, nilList := Entry{Egress: []string{}}, Entry{}
	if empty.ComputeHash() != nilList.ComputeHash() {
		t.Error("an empty list hashes differently from a nil one")
	}
}
