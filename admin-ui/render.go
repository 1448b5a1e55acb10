package adminui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/secure-agent/saa/host/auth/authstore"
)

// pages holds one template set per page, each the layout plus the page.
type pages struct {
	byName map[string]*template.Template
}

// parsePages parses the layout and partials once, then each page on a clone.
func parsePages(as *assets) (*pages, error) {
	base, err := template.New("").Funcs(templateFuncs(as)).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse admin ui layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(files, name)
		}
		if err != nil {
			return nil, fmt.Errorf("parse admin ui page %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return p, nil
}

// templateFuncs are the few helpers the templates use to format values.
func templateFuncs(as *assets) template.FuncMap {
	return template.FuncMap{
		"asset": as.url,
		"when":  formatTime,
		"stamp": func(t time.Time) string { return t.UTC().Format(time.DateTime) },
		// pendingView passes a paused call with the page's view (CSRF
		// token, role) to the "paused-call" partial.
		"pendingView": func(v view, row pausedCall) pendingArgs { return pendingArgs{View: v, Row: row} },
	}
}

// formatTime renders t in UTC to the second, or "—" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// pendingArgs is the "paused-call" partial's model.
type pendingArgs struct {
	View view
	Row  pausedCall
}

// view is what every page template receives.
type view struct {
	Title string
	// Runs shows the Runs menu entry (agents are configured).
	Runs bool
	// Nav names the section the page belongs to, for the menu.
	Nav     string
	Session *Session
	Flashes []flash
	// Data is the page's own model.
	Data any
}

// CSRF returns the session's token, for forms.
func (v view) CSRF() string {
	if v.Session == nil {
		return ""
	}
	return v.Session.CSRF
}

// Staff reports whether the signed-in user is an admin or a viewer, who
// see the admin menu; an end user sees only their account.
func (v view) Staff() bool { return v.Session != nil && v.Session.Role != authstore.RoleUser }

// CanWrite reports whether the signed-in user may change things.
func (v view) CanWrite() bool { return v.Session != nil && v.Session.CanWrite() }

// render writes page with status. The page is executed into a buffer first,
// so a template error becomes a clean 500, not half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	t, ok := u.pages.byName[page]
	if !ok {
		u.serverError(w, r, fmt.Errorf("no page %q", page))
		return
	}
	v.Runs = u.cfg.Agents != nil
	if s, ok := sessionFrom(r.Context()); ok {
		v.Session = &s
		v.Flashes = append(v.Flashes, u.sessions.takeFlashes(sessionID(r.Context()))...)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		u.serverError(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorData is the model of the error page.
type errorData struct {
	Status  int
	Heading string
	Detail  string
}

// fail renders the error page with status and a detail safe to show.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, detail string) {
	u.render(w, r, status, "error", view{
		Title: http.StatusText(status),
		Data:  errorData{Status: status, Heading: http.StatusText(status), Detail: detail},
	})
}

// serverError logs err and renders a 500 without its detail.
func (u *UI) serverError(w http.ResponseWriter, r *http.Request, err error) {
	u.log.ErrorContext(r.Context(), "admin ui request", logKeyMethod, r.Method, logKeyPath, r.URL.Path, logKeyErr, err)
	if _, ok := u.pages.byName["error"]; !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	u.fail(w, r, http.StatusInternalServerError, "Something went wrong on the server. The error was logged.")
}

// redirect answers a form post with 303 See Other to target, after
// queueing msg (if any) for the next page.
func (u *UI) redirect(w http.ResponseWriter, r *http.Request, target string, msg *flash) {
	if msg != nil {
		u.sessions.addFlash(sessionID(r.Context()), *msg)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// done and problem build flash messages.
func done(format string, args ...any) *flash { return &flash{Text: fmt.Sprintf(format, args...)} }

func problem(format string, args ...any) *flash {
	return &flash{Error: true, Text: fmt.Sprintf(format, args...)}
}

// Log attribute keys.
const (
	logKeyMethod = "method"
	logKeyPath   = "path"
	logKeyErr    = "err"
	logKeyUser   = "user"
)
