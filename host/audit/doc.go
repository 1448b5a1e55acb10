// Package audit is SAA's tamper-evident record of who did what: every action
// invocation (sync, async or in-process) and every admin change appends one
// Entry, and entries are hash-chained so that editing, deleting or reordering
// any of them is detected by Verify (and `saa audit verify`).
//
// The package defines the Entry, the canonical encoding its hash covers, the
// Store contract that backends implement (host/store on bbolt; audittest is
// the conformance suite) and Log, the front the runtime and the admin API use.
//
// What the chain is and is not: it is tamper-evident, not tamper-proof. Anyone
// who can write the database and recompute every hash after the entry they
// change can forge a consistent chain; record the head hash that Verify
// reports somewhere else (a ticket, a log shipper) to anchor it. The store also
// keeps the head it last wrote, so cutting entries off the end is detected
// unless that record is rewritten too.
//
// An entry must never hold a secret value, a token, an input or an output:
// only names, hashes and outcomes. The package imports nothing of SAA, so
// every part of host may use it.
package audit
