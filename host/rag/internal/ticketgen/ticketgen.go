// Package ticketgen generates a realistic, deterministic support-ticket
// export and a fixed set of questions whose answer is one known ticket, to
// measure retrieval quality. Every ticket has its own (product, symptom,
// trigger) combination, so a question names exactly one ticket, while
// hundreds share its product or symptom: a search has to weigh all three.
package ticketgen

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Ticket is one support ticket as a helpdesk would export it.
type Ticket struct {
	ID        string `json:"id"`
	Customer  string `json:"customer"`
	Product   string `json:"product"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	Status    string `json:"status"`
	Priority  string `json:"priority"`
	CreatedAt string `json:"created_at"`
}

// Question asks for one ticket: Index is its position in the export.
type Question struct {
	Text  string
	Index int
	// Paraphrased is true when the question uses other words than the
	// ticket for the symptom and the trigger (a lexical search's hard case).
	Paraphrased bool
}

// phrase is how a ticket says something, and how a question may say it.
type phrase struct{ ticket, paraphrase string }

var products = []string{
	"X200 thermostat", "Orbit mesh router", "Pulse smartwatch", "Nimbus NAS", "Aria soundbar",
	"Vega laptop", "Atlas laser printer", "Sentry doorbell camera", "Breeze air purifier", "Lumen smart bulb",
	"Tempo coffee machine", "Halo baby monitor", "Drift robot vacuum", "Quill e-reader", "Summit tablet",
	"Forge gaming mouse", "Crest keyboard", "Harbor docking station", "Beacon GPS tracker", "Nova projector",
	"Ember space heater", "Tidal dishwasher", "Glide electric scooter", "Prism monitor", "Cove smart lock",
	"Pixel webcam", "Rally fitness band", "Spark portable charger", "Terra garden sensor", "Zenith headphones",
}

var symptoms = []phrase{
	{"cannot connect to Wi-Fi", "wifi not working"},
	{"battery drains overnight", "loses all its charge while idle"},
	{"screen flickers", "display keeps blinking"},
	{"overheats", "gets extremely hot"},
	{"reboots randomly", "restarts by itself"},
	{"app login fails", "can't sign in to the app"},
	{"was charged twice", "double billing"},
	{"refund has not arrived", "money not returned yet"},
	{"firmware update fails", "update won't install"},
	{"has no sound", "audio is silent"},
	{"reports a paper jam", "paper stuck inside"},
	{"Bluetooth pairing fails", "won't pair with my phone"},
	{"is very slow", "sluggish performance"},
	{"was never delivered", "order never arrived"},
	{"arrived as the wrong item", "received a different product"},
	{"password reset email is missing", "no email to reset my password"},
	{"fan is noisy", "loud whirring noise"},
	{"shows the wrong time", "clock is off"},
	{"stops syncing data", "sync halted"},
	{"camera shows a black image", "video feed is dark"},
}

var triggers = []phrase{
	{"after the 4.2 firmware update", "since updating to firmware 4.2"},
	{"since moving to a new apartment", "after I relocated"},
	{"after a power outage", "once the electricity came back"},
	{"when the temperature drops below zero", "in freezing weather"},
	{"after resetting to factory settings", "following a factory reset"},
	{"since switching internet provider", "after changing ISP"},
	{"after replacing the battery", "with a new battery installed"},
	{"when connected to the 5 GHz band", "on 5GHz"},
	{"after the daylight saving change", "since the clocks changed"},
	{"since installing the iOS 19 app", "with the new iPhone app"},
	{"during video calls", "while on Zoom meetings"},
	{"when printing double-sided", "with duplex printing"},
	{"after the subscription renewal", "once my plan renewed"},
	{"on the first day of the month", "at the start of each month"},
	{"when using the guest network", "on the visitor wifi"},
}

var fillers = []string{
	"I already tried turning it off and on again.",
	"This is really frustrating because I rely on it every day.",
	"Your help center article did not solve it.",
	"I have attached a photo of the error screen.",
	"My neighbour has the same model and no problem.",
	"Please advise as soon as possible.",
	"I bought it from your online store last year.",
	"The warranty should still be valid.",
	"Support chat disconnected twice while I waited.",
	"I would like a replacement if it cannot be fixed.",
}

var (
	firstNames = []string{"Ana", "Ben", "Chloé", "Dev", "Emeka", "Fatima", "Georg", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Mateo", "Nina", "Omar", "Priya"}
	lastNames  = []string{"Silva", "Okafor", "Müller", "Tanaka", "Nguyen", "Rossi", "Kowalski", "Haddad", "Larsen", "Patel", "García", "Dubois"}
	statuses   = []string{"open", "pending", "resolved", "closed"}
	priorities = []string{"low", "normal", "high", "urgent"}
)

// Generate returns n tickets (n ≤ 9,000 keeps every combination unique; more
// repeat combinations) from seed.
func Generate(n int, seed uint64) []Ticket {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	combos := r.Perm(len(products) * len(symptoms) * len(triggers))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Ticket, n)
	for i := range out {
		c := combos[i%len(combos)]
		p, s, tr := comboParts(c)
		name := firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
		var body strings.Builder
		fmt.Fprintf(&body, "Hello, my %s %s %s. ", products[p], symptoms[s].ticket, triggers[tr].ticket)
		for range 2 + r.IntN(3) {
			body.WriteString(fillers[r.IntN(len(fillers))] + " ")
		}
		fmt.Fprintf(&body, "Order number %d. Thanks, %s", 100000+r.IntN(900000), name)
		out[i] = Ticket{
			ID: fmt.Sprintf("TCK-%05d", i+1), Customer: name, Product: products[p],
			Subject:   fmt.Sprintf("%s: %s", products[p], symptoms[s].ticket),
			Body:      body.String(),
			Status:    statuses[r.IntN(len(statuses))],
			Priority:  priorities[r.IntN(len(priorities))],
			CreatedAt: base.Add(time.Duration(r.IntN(365*24)) * time.Hour).Format(time.RFC3339),
		}
	}
	return out
}

func comboParts(c int) (p, s, t int) {
	return c % len(products), (c / len(products)) % len(symptoms), c / (len(products) * len(symptoms))
}

// Questions returns n questions about tickets of Generate(size, seed), half
// worded like the tickets and half paraphrased, each about another ticket.
func Questions(tickets []Ticket, n int, seed uint64) []Question {
	r := rand.New(rand.NewPCG(seed+1, seed))
	picks := r.Perm(len(tickets))[:n]
	out := make([]Question, n)
	for i, idx := range picks {
		t := tickets[idx]
		s, tr := findPhrases(t.Body)
		q := Question{Index: idx, Paraphrased: i%2 == 1}
		if q.Paraphrased {
			q.Text = fmt.Sprintf("%s %s — which ticket is that? (%s)", capitalise(symptoms[s].paraphrase), triggers[tr].paraphrase, t.Product)
		} else {
			q.Text = fmt.Sprintf("Which customer said their %s %s %s?", t.Product, symptoms[s].ticket, triggers[tr].ticket)
		}
		out[i] = q
	}
	return out
}

// findPhrases recovers a body's symptom and trigger.
func findPhrases(body string) (s, t int) {
	for i, p := range symptoms {
		if strings.Contains(body, " "+p.ticket+" ") {
			s = i
		}
	}
	for i, p := range triggers {
		if strings.Contains(body, p.ticket+".") {
			t = i
		}
	}
	return s, t
}

func capitalise(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
