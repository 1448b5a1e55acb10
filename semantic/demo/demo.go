// Package demo generates SAA's demo warehouse: a SQLite database of
// realistic, deterministic data for support tickets, releases, dashboard
// usage, internal audit findings and chat-channel activity, which the
// semantic layer under semantic/models describes. It is for demos and
// tests; it must never hold real data.
package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// schema is the warehouse's DDL.
var schema = []string{
	`CREATE TABLE releases (
		id INTEGER PRIMARY KEY,
		version TEXT NOT NULL,
		product TEXT NOT NULL,
		kind TEXT NOT NULL,
		shipped_at DATE NOT NULL,
		changes INTEGER NOT NULL)`,
	`CREATE TABLE tickets (
		id INTEGER PRIMARY KEY,
		opened_at DATETIME NOT NULL,
		closed_at DATETIME,
		status TEXT NOT NULL,
		priority TEXT NOT NULL,
		category TEXT NOT NULL,
		product TEXT NOT NULL,
		channel TEXT NOT NULL,
		release_id INTEGER REFERENCES releases(id),
		assignee TEXT,
		customer_email TEXT NOT NULL,
		first_response_minutes INTEGER,
		csat_score INTEGER)`,
	`CREATE TABLE dashboard_usage (
		day DATE NOT NULL,
		dashboard TEXT NOT NULL,
		team TEXT NOT NULL,
		views INTEGER NOT NULL,
		unique_users INTEGER NOT NULL,
		p95_load_ms INTEGER NOT NULL,
		PRIMARY KEY (day, dashboard, team))`,
	`CREATE TABLE audit_findings (
		id INTEGER PRIMARY KEY,
		opened_at DATE NOT NULL,
		due_at DATE NOT NULL,
		closed_at DATE,
		area TEXT NOT NULL,
		severity TEXT NOT NULL,
		status TEXT NOT NULL,
		title TEXT NOT NULL,
		owner_team TEXT NOT NULL,
		release_id INTEGER REFERENCES releases(id))`,
	`CREATE TABLE chat_activity (
		day DATE NOT NULL,
		channel TEXT NOT NULL,
		messages INTEGER NOT NULL,
		active_members INTEGER NOT NULL,
		threads INTEGER NOT NULL,
		incident_mentions INTEGER NOT NULL,
		PRIMARY KEY (day, channel))`,
	`CREATE TABLE integrations (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		owner_team TEXT NOT NULL,
		api_token TEXT NOT NULL)`,
}

var (
	products   = []string{"billing", "dashboards", "mobile", "api"}
	categories = []string{"bug", "question", "feature_request", "outage", "account"}
	channels   = []string{"email", "chat", "phone", "web"}
	priorities = []string{"low", "normal", "high", "urgent"}
	assignees  = []string{"ana", "ben", "chen", "dana", "eli", "fatima"}
	dashboards = []string{"revenue", "support_sla", "release_health", "audit_status", "infra_costs", "growth"}
	teams      = []string{"finance", "support", "engineering", "security", "leadership"}
	areas      = []string{"access_control", "change_management", "data_retention", "vendor_risk", "incident_response"}
	severities = []string{"low", "medium", "high", "critical"}
	chats      = []string{"#support", "#incidents", "#releases", "#security", "#general", "#random"}
	start      = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Days is how many days of activity the warehouse covers, from 2026-01-01.
const Days = 180

// Build writes the demo warehouse to a new SQLite file at path. The same
// seed gives the same data.
func Build(ctx context.Context, path string, seed uint64) error {
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("build demo warehouse: %w", err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("build demo warehouse: %w", err)
	}
	defer tx.Rollback()
	g := &gen{tx: tx, ctx: ctx, r: rand.New(rand.NewPCG(seed, seed^0x5aa))}
	for _, s := range schema {
		g.exec(s)
	}
	g.releases()
	g.tickets()
	g.dashboards()
	g.findings()
	g.chat()
	g.integrations()
	if g.err != nil {
		return fmt.Errorf("build demo warehouse: %w", g.err)
	}
	return tx.Commit()
}

// gen writes rows, keeping the first error.
type gen struct {
	tx   *sql.Tx
	ctx  context.Context
	r    *rand.Rand
	err  error
	rels []release
}

type release struct {
	id      int
	product string
	shipped time.Time
}

func (g *gen) exec(q string, args ...any) {
	if g.err == nil {
		_, g.err = g.tx.ExecContext(g.ctx, q, args...)
	}
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// weighted picks xs[i] with probability w[i]/sum(w).
func (g *gen) weighted(xs []string, w []int) string {
	total := 0
	for _, x := range w {
		total += x
	}
	n := g.r.IntN(total)
	for i, x := range w {
		if n < x {
			return xs[i]
		}
		n -= x
	}
	return xs[len(xs)-1]
}

func day(t time.Time) string { return t.Format(time.DateOnly) }

func (g *gen) releases() {
	id := 0
	for _, p := range products {
		major, minor, patch := 2, 0, 0
		for t := start.AddDate(0, 0, g.r.IntN(10)); t.Before(start.AddDate(0, 0, Days)); t = t.AddDate(0, 0, 14+g.r.IntN(14)) {
			kind := g.weighted([]string{"patch", "minor", "major"}, []int{6, 3, 1})
			switch kind {
			case "major":
				major, minor, patch = major+1, 0, 0
			case "minor":
				minor, patch = minor+1, 0
			default:
				patch++
			}
			id++
			g.exec(`INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?)`, id, fmt.Sprintf("%d.%d.%d", major, minor, patch), p, kind, day(t), 5+g.r.IntN(60))
			g.rels = append(g.rels, release{id, p, t})
		}
	}
}

func (g *gen) tickets() {
	for id := 1; id <= 1500; id++ {
		opened := start.Add(time.Duration(g.r.IntN(Days*24*60)) * time.Minute)
		product := g.pick(products)
		cat := g.weighted(categories, []int{35, 30, 15, 5, 15})
		prio := g.weighted(priorities, []int{25, 50, 18, 7})
		if cat == "outage" {
			prio = "urgent"
		}
		status := g.weighted([]string{"closed", "open", "pending", "resolved"}, []int{55, 20, 10, 15})
		var closed, assignee, rel, csat any
		if status == "closed" || status == "resolved" {
			closed = opened.Add(time.Duration(30+g.r.IntN(7*24*60)) * time.Minute).Format(time.DateTime)
			if g.r.IntN(3) > 0 {
				csat = 1 + g.r.IntN(5)
			}
		}
		if status != "open" || g.r.IntN(2) == 0 {
			assignee = g.pick(assignees)
		}
		if cat == "bug" || cat == "outage" {
			rel = g.latestRelease(product, opened)
		}
		first := 5 + g.r.IntN(map[string]int{"urgent": 30, "high": 120, "normal": 480, "low": 1440}[prio])
		email := fmt.Sprintf("customer%04d@example.com", g.r.IntN(600))
		g.exec(`INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, opened.Format(time.DateTime), closed,
			status, prio, cat, product, g.pick(channels), rel, assignee, email, first, csat)
	}
}

// latestRelease is the id of product's last release before t, or nil.
func (g *gen) latestRelease(product string, t time.Time) any {
	var id any
	for _, r := range g.rels {
		if r.product == product && r.shipped.Before(t) {
			id = r.id
		}
	}
	return id
}

func (g *gen) dashboards() {
	for d := 0; d < Days; d++ {
		t := start.AddDate(0, 0, d)
		weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		for _, db := range dashboards {
			for _, team := range teams {
				if g.r.IntN(3) == 0 {
					continue
				}
				users := 1 + g.r.IntN(12)
				if weekend {
					users = 1 + users/4
				}
				g.exec(`INSERT INTO dashboard_usage VALUES (?, ?, ?, ?, ?, ?)`, day(t), db, team, users*(1+g.r.IntN(6)), users, 300+g.r.IntN(2500))
			}
		}
	}
}

var titles = map[string][]string{
	"access_control":    {"Stale admin accounts", "Shared service credentials", "Missing MFA on console"},
	"change_management": {"Deploy without approval", "Emergency change not reviewed", "Rollback plan missing"},
	"data_retention":    {"Logs kept past policy", "Backups not encrypted", "Deletion requests overdue"},
	"vendor_risk":       {"Vendor assessment expired", "No DPA on file", "Sub-processor list outdated"},
	"incident_response": {"Postmortem overdue", "On-call runbook outdated", "Alert without owner"},
}

func (g *gen) findings() {
	for id := 1; id <= 120; id++ {
		area := g.pick(areas)
		opened := start.AddDate(0, 0, g.r.IntN(Days))
		sev := g.weighted(severities, []int{30, 40, 22, 8})
		due := opened.AddDate(0, 0, map[string]int{"critical": 7, "high": 30, "medium": 60, "low": 90}[sev])
		status := g.weighted([]string{"open", "in_progress", "closed", "accepted_risk"}, []int{30, 20, 40, 10})
		var closed, rel any
		if status == "closed" {
			closed = day(opened.AddDate(0, 0, 1+g.r.IntN(80)))
		}
		if area == "change_management" && len(g.rels) > 0 {
			rel = g.rels[g.r.IntN(len(g.rels))].id
		}
		g.exec(`INSERT INTO audit_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, day(opened), day(due), closed, area, sev, status,
			g.pick(titles[area]), g.pick(teams), rel)
	}
}

func (g *gen) chat() {
	for d := 0; d < Days; d++ {
		t := start.AddDate(0, 0, d)
		for _, c := range chats {
			members := 5 + g.r.IntN(40)
			msgs := members * (1 + g.r.IntN(8))
			incidents := 0
			if c == "#incidents" || c == "#support" {
				incidents = g.r.IntN(6)
			}
			g.exec(`INSERT INTO chat_activity VALUES (?, ?, ?, ?, ?, ?)`, day(t), c, msgs, members, msgs/(3+g.r.IntN(5)), incidents)
		}
	}
}

func (g *gen) integrations() {
	for i, name := range []string{"pagerduty", "slack", "github", "jira", "salesforce", "snowflake"} {
		token := fmt.Sprintf("tok_%s_%s", name, strings.Repeat(fmt.Sprintf("%x", g.r.Uint32()), 2))
		g.exec(`INSERT INTO integrations VALUES (?, ?, ?, ?)`, i+1, name, g.pick(teams), token)
	}
}
