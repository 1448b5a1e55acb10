package mcp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/secure-agent/saa/host"
	"github.com/secure-agent/saa/host/audit"
	"github.com/secure-agent/saa/manifests"
)

// Approval policies (SAA_MCP_APPROVAL): which tool calls wait for the
// user's yes, asked through MCP elicitation.
const (
	// ApproveNone asks for nothing: the token's scopes are the only check.
	ApproveNone = "none"
	// ApproveWrites asks before every call of an action whose effect is
	// write or destructive. The default.
	ApproveWrites = "writes"
	// ApproveAll asks before every call.
	ApproveAll = "all"
)

// ScopeUnattended lets a token's calls skip the question (a client with no
// human behind it); each such call is audited as auto-approved. Only an
// admin can grant it, as any scope.
const ScopeUnattended = "mcp:unattended"

// DefaultApprovalTimeout is how long a call waits for the user's answer.
const DefaultApprovalTimeout = 5 * time.Minute

// maxShownArguments bounds the arguments shown in the question, in bytes.
const maxShownArguments = 2048

// ErrApprovalPolicy means an approval policy is not one of none, writes,
// all.
var ErrApprovalPolicy = errors.New("approval policy must be none, writes or all")

// ParseApproval checks an approval policy; "" is ApproveWrites.
func ParseApproval(v string) (string, error) {
	switch v {
	case "":
		return ApproveWrites, nil
	case ApproveNone, ApproveWrites, ApproveAll:
		return v, nil
	}
	return "", fmt.Errorf("%w, not %q", ErrApprovalPolicy, v)
}

// approvalSchema is the one-field form the user answers: the call runs
// only on accept with approve set to true, so a client that accepts forms
// blindly (empty content) approves nothing.
var approvalSchema = json.RawMessage(`{"type":"object","properties":{"approve":{"type":"boolean","title":"Run this call","description":"Check to let SAA run the call once, with exactly these arguments."}},"required":["approve"]}`)

// needsApproval reports whether the policy asks before calling t.
func (s *Server) needsApproval(t tool) bool {
	switch s.cfg.Approval {
	case ApproveNone:
		return false
	case ApproveAll:
		return true
	}
	return t.effect != manifests.EffectRead
}

// approve decides whether the call of t with input may run. It returns ""
// when it may, else the tool error to give the model. Every decision on a
// call the policy covers is audited, like an agent's approvals.
func (s *Server) approve(ctx context.Context, req *mcpsdk.CallToolRequest, p host.Principal, t tool, input []byte) string {
	if !s.needsApproval(t) {
		return ""
	}
	session := req.Session.ID()
	if p.HasScope(ScopeUnattended) {
		s.auditApproval(ctx, p, t, input, session, "auto_approve", "the token holds "+ScopeUnattended)
		return ""
	}
	if !canElicit(req.Session) {
		why := fmt.Sprintf("%s has effect %s and needs the user's approval, which this MCP client cannot give: "+
			"use a client that supports elicitation (it will be asked), run it in an agent run "+
			"(paused calls are approved at POST /v1/runs/{id}/approvals/{call_id}), "+
			"or ask an admin to grant the client scope %s", t.def.Title, t.effect, ScopeUnattended)
		s.auditApproval(ctx, p, t, input, session, "reject", "the client cannot be asked")
		return why
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ApprovalTimeout)
	defer cancel()
	res, err := req.Session.Elicit(ctx, &mcpsdk.ElicitParams{
		Mode: "form", Message: approvalQuestion(t, input), RequestedSchema: approvalSchema,
	})
	switch {
	case err != nil:
		s.auditApproval(ctx, p, t, input, session, "reject", "no valid answer")
		return t.def.Title + " needs the user's approval and no valid answer came"
	case res.Action != "accept" || res.Content["approve"] != true:
		s.auditApproval(ctx, p, t, input, session, "reject", "the user answered "+res.Action+" without approving")
		return "the user did not approve this call of " + t.def.Title
	}
	s.auditApproval(ctx, p, t, input, session, "approve", "")
	return ""
}

// canElicit reports whether the session's client declared elicitation in
// form mode (no mode declared means form, per the spec).
func canElicit(ss *mcpsdk.ServerSession) bool {
	ip := ss.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.Capabilities.Elicitation == nil {
		return false
	}
	e := ip.Capabilities.Elicitation
	return e.Form != nil || e.URL == nil
}

// approvalQuestion is what the user reads: the action, its effect and
// description from the reviewed manifest, and the arguments as JSON (which
// escapes any control characters a model might have put there), cut short.
func approvalQuestion(t tool, input []byte) string {
	args := string(input)
	if len(args) > maxShownArguments {
		args = strings.ToValidUTF8(args[:maxShownArguments], "") + " … (cut; " + fmt.Sprint(len(input)) + " bytes in all)"
	}
	q := fmt.Sprintf("Allow %s (effect: %s) to run with these arguments?\n%s", t.def.Title, t.effect, args)
	if t.def.Description != "" {
		q += "\n\n" + t.def.Title + ": " + t.def.Description
	}
	return q
}

// auditApproval records a decision as an admin entry, in the style of the
// agents' agent.call.* entries: mcp.call.approve, mcp.call.reject or
// mcp.call.auto_approve, with the arguments' hash and the session.
func (s *Server) auditApproval(ctx context.Context, p host.Principal, t tool, input []byte, session, decision, why string) {
	log := s.rt.Audit()
	if log == nil {
		return
	}
	sum := sha256.Sum256(input)
	detail := "MCP call " + map[string]string{"approve": "approved", "reject": "rejected", "auto_approve": "auto-approved"}[decision] +
		" for client " + p.ClientID
	if why != "" {
		detail += ": " + why
	}
	err := log.Append(context.WithoutCancel(ctx), audit.Entry{
		Kind: audit.KindAdmin, ClientID: p.ClientID, Subject: p.Subject, Plugin: t.plugin,
		Action: "mcp.call." + decision, InputSHA256: hex.EncodeToString(sum[:]), Outcome: audit.OutcomeOK,
		MCPSession: session, Detail: detail + " (" + t.plugin + "." + t.action + ")",
	})
	if err != nil {
		s.log.Error("audit approval", "err", err)
	}
}
