package adminapi

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/secure-agent/saa/host/agents"
	"github.com/secure-agent/saa/host/problem"
	"github.com/secure-agent/saa/manifests"
)

// KindInvalidAgent is the problem type of a refused agent definition; the
// detail names the field and the reason.
const KindInvalidAgent = "invalid-agent"

func (a *API) agentRoutes(r chi.Router) {
	r.Get("/agents", a.listAgentDefs)
	r.Get("/agents/{name}", a.getAgentDef)
	r.Put("/agents/{name}", a.putAgentDef)
	r.Delete("/agents/{name}", a.deleteAgentDef)
}

// agentDef is an agent definition as the admin API shows it.
type agentDef struct {
	Name string `json:"name"`
	// Source is "file" (SAA_AGENTS_DIR, read-only here) or "stored".
	Source     string             `json:"source"`
	Definition *agents.Definition `json:"definition"`
	// Document is the stored document as it was put (stored ones only).
	Document string `json:"document,omitempty"`
}

func defOf(e agents.Entry) agentDef {
	return agentDef{Name: e.Definition.Name, Source: e.Source, Definition: e.Definition, Document: string(e.Doc)}
}

func (a *API) listAgentDefs(w http.ResponseWriter, _ *http.Request) {
	out := []agentDef{}
	for _, e := range a.agents.List() {
		d := defOf(e)
		d.Document = "" // the list is a summary; GET /agents/{name} has it
		out = append(out, d)
	}
	reply(w, http.StatusOK, map[string]any{"agents": out})
}

func (a *API) getAgentDef(w http.ResponseWriter, r *http.Request) {
	e, err := a.agents.Get(chi.URLParam(r, "name"))
	if err != nil {
		a.failAgent(w, r, err)
		return
	}
	reply(w, http.StatusOK, defOf(e))
}

// putAgentDef creates (201) or replaces (200) a stored definition; the body
// is the definition as YAML or JSON, validated like a file of the agents
// folder. New runs use it at once.
func (a *API) putAgentDef(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			problem.Write(w, http.StatusUnsupportedMediaType, problem.KindBadRequest, "the Content-Type cannot be parsed")
			return
		case mt != "application/json" && mt != "application/yaml" && mt != "application/x-yaml" && mt != "text/yaml":
			problem.Write(w, http.StatusUnsupportedMediaType, problem.KindBadRequest, "the body must be the definition as application/json or application/yaml")
			return
		}
	}
	doc, err := io.ReadAll(http.MaxBytesReader(w, r.Body, manifests.MaxManifestSize))
	if err != nil {
		problem.Write(w, http.StatusRequestEntityTooLarge, problem.KindBadRequest, "the definition is larger than 1 MiB")
		return
	}
	e, created, err := a.agents.Put(r.Context(), chi.URLParam(r, "name"), doc)
	if err != nil {
		a.failAgent(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	reply(w, status, defOf(e))
}

func (a *API) deleteAgentDef(w http.ResponseWriter, r *http.Request) {
	if err := a.agents.Delete(r.Context(), chi.URLParam(r, "name")); err != nil {
		a.failAgent(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// failAgent maps the catalog's errors to problems.
func (a *API) failAgent(w http.ResponseWriter, r *http.Request, err error) {
	var de *agents.DefinitionError
	switch {
	case errors.As(err, &de):
		problem.Write(w, http.StatusUnprocessableEntity, KindInvalidAgent, de.Error())
	case errors.Is(err, agents.ErrDefinitionNotFound):
		problem.Write(w, http.StatusNotFound, problem.KindNotFound, "no such agent")
	case errors.Is(err, agents.ErrFileDefined):
		problem.Write(w, http.StatusConflict, problem.KindConflict, "the agent is defined by a file in the agents folder, which wins; change the file")
	case errors.Is(err, agents.ErrInUse):
		problem.Write(w, http.StatusConflict, problem.KindConflict, err.Error())
	default:
		a.fail(w, r, err)
	}
}
