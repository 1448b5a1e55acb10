package adminui

import "net/http"

func (u *UI) auditPage(w http.ResponseWriter, r *http.Request) {
	q, f, err := parseAuditQuery(r.URL.Query())
	d := auditData{Query: q, Outcomes: knownOutcomes}
	if err != nil {
		d.Error = capitalize(err.Error()) + "."
		u.render(w, r, http.StatusBadRequest, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
		return
	}
	page, err := u.audit.List(r.Context(), f)
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	for _, e := range page.Entries {
		d.Rows = append(d.Rows, auditRowOf(e))
	}
	if page.Next != 0 {
		d.Older = q.olderURL(page.Next)
	}
	u.render(w, r, http.StatusOK, "audit", view{Title: "Audit log", Nav: "audit", Data: d})
}

// verifyPage walks the whole chain. It changes nothing, so viewers may run it.
func (u *UI) verifyPage(w http.ResponseWriter, r *http.Request) {
	rep, err := u.audit.Verify(r.Context())
	if err != nil {
		u.serverError(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "verify", view{Title: "Audit chain", Nav: "audit", Data: rep})
}
