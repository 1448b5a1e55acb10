package openapi

import (
	"strconv"

	"github.com/secure-agent/saa/semantic"
)

// semanticPaths are the read-only operations on the semantic layer, which
// the server mounts only when it has one.
func semanticPaths() map[string]any {
	return map[string]any{
		"/v1/semantic/datasets":        map[string]any{"get": semanticListOperation()},
		"/v1/semantic/datasets/{name}": map[string]any{"get": semanticDatasetOperation()},
		"/v1/semantic/context":         map[string]any{"get": semanticContextOperation()},
	}
}

// semanticScopes describes the host's reserved semantic scopes. A dataset
// or field may name a scope of its own in the same namespace; the layer's
// files, not the document, list those.
func semanticScopes() map[string]any {
	return map[string]any{
		semantic.ScopeRead:   "Read the semantic layer: /v1/semantic/datasets and /v1/semantic/context",
		semantic.ScopePII:    "See the semantic layer's pii fields that name no scope of their own",
		semantic.ScopeSecret: "See the semantic layer's secret fields that name no scope of their own",
	}
}

func semanticOperation(id, summary, desc string, params []any, ok, schema string, codes ...string) map[string]any {
	responses := map[string]any{
		"200": map[string]any{
			"description": ok,
			"content":     map[string]any{"application/json": map[string]any{"schema": ref("schemas", schema)}},
		},
		"401": ref("responses", "Unauthorized"),
		"403": ref("responses", "Forbidden"),
		"429": ref("responses", "TooManyRequests"),
	}
	for _, c := range codes {
		responses[c] = ref("responses", "Problem")
	}
	op := map[string]any{
		"operationId": id,
		"summary":     summary,
		"description": desc + " Requires scope " + semantic.ScopeRead + "; what a caller sees besides is what its scopes unlock: a dataset naming a scope, and pii or secret fields, stay hidden without theirs.",
		"tags":        []any{"semantic"},
		"security":    []any{map[string]any{"oauth2": []any{semantic.ScopeRead}}},
		"responses":   responses,
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return op
}

func semanticListOperation() map[string]any {
	return semanticOperation("listSemanticDatasets", "List the semantic layer's datasets",
		"The datasets the token may see, each with the number of fields it may see.",
		nil, "The datasets.", "SemanticDatasets")
}

func semanticDatasetOperation() map[string]any {
	return semanticOperation("getSemanticDataset", "Get a dataset of the semantic layer",
		"The dataset with the fields the token may see; relationships, metrics, filters and verified queries that mention a hidden field or dataset are left out. A dataset the token may not see answers 404, as one that does not exist does.",
		[]any{map[string]any{
			"name": "name", "in": "path", "required": true, "description": "The dataset's name.",
			"schema": map[string]any{"type": "string"},
		}},
		"The dataset.", "SemanticDataset", "404")
}

func semanticContextOperation() map[string]any {
	budget := "Token budget of the answer, from " + strconv.Itoa(semantic.MinBudget) + " to " + strconv.Itoa(semantic.MaxBudget) +
		"; " + strconv.Itoa(semantic.DefaultBudget) + " by default."
	return semanticOperation("getSemanticContext", "Get the context to write SQL for a question",
		"The fields most relevant to the question, best first, with their datasets, the joins between them, named filters, metrics and verified queries, and all of it as a prompt block, within the token budget.",
		[]any{
			map[string]any{"name": "q", "in": "query", "required": true, "description": "The question, 1 to 4,096 bytes of UTF-8.",
				"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 4096}},
			queryParam("budget", budget, map[string]any{"type": "integer", "minimum": semantic.MinBudget, "maximum": semantic.MaxBudget}),
		},
		"The context.", "SemanticContext", "400")
}

// semanticSchemas are the JSON the semantic handlers encode: semantic's
// Summary, Dataset (and its parts) and Context (and its parts).
func semanticSchemas() map[string]any {
	str := map[string]any{"type": "string"}
	strs := map[string]any{"type": "array", "items": str}
	boolean := map[string]any{"type": "boolean"}
	arrayOf := func(name string) map[string]any {
		return map[string]any{"type": "array", "items": ref("schemas", name)}
	}
	object := func(required []any, props map[string]any) map[string]any {
		o := map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			o["required"] = required
		}
		return o
	}
	sensitivity := map[string]any{"type": "string", "enum": []any{
		string(semantic.Public), string(semantic.Internal), string(semantic.PII), string(semantic.Secret)}}
	aiContext := ref("schemas", "SemanticAIContext")
	return map[string]any{
		"SemanticDatasets": object([]any{"datasets"}, map[string]any{"datasets": arrayOf("SemanticSummary")}),
		"SemanticSummary": object([]any{"name", "table", "fields"}, map[string]any{
			"name": str, "table": str, "description": str,
			"fields":    map[string]any{"type": "integer", "minimum": 0, "description": "How many fields the token may see."},
			"row_count": map[string]any{"type": "integer", "minimum": 0, "description": "What the last import counted; informative only."},
		}),
		"SemanticAIContext": object([]any{}, map[string]any{"instructions": str, "synonyms": strs, "examples": strs}),
		"SemanticDataset": object([]any{"name", "fields"}, map[string]any{
			"name":        str,
			"source":      map[string]any{"type": "string", "description": "The physical table; name if absent."},
			"description": str, "primary_key": strs,
			"row_count":  map[string]any{"type": "integer", "minimum": 0},
			"synonyms":   strs,
			"scope":      map[string]any{"type": "string", "description": "The scope needed to see the dataset at all."},
			"ai_context": aiContext,
			// null, not [], when the token may see none of the fields.
			"fields":        map[string]any{"type": []any{"array", "null"}, "items": ref("schemas", "SemanticField")},
			"relationships": arrayOf("SemanticRelationship"), "metrics": arrayOf("SemanticMetric"),
			"filters": arrayOf("SemanticFilter"), "verified_queries": arrayOf("SemanticVerifiedQuery"),
		}),
		"SemanticField": object([]any{"name"}, map[string]any{
			"name": str, "expression": map[string]any{"type": "string", "description": "The SQL that computes the field; the column name if absent."},
			"datatype": str, "description": str,
			"dimension": object([]any{"is_time"}, map[string]any{"is_time": boolean}),
			"role":      map[string]any{"type": "string", "enum": []any{"dimension", "time_dimension", "fact"}},
			"unique":    boolean, "nullable": boolean, "sample_values": strs, "is_enum": boolean, "synonyms": strs,
			"sensitivity": sensitivity,
			"scope":       map[string]any{"type": "string", "description": "The scope that unlocks a pii or secret field."},
			"ai_context":  aiContext,
		}),
		"SemanticRelationship": object([]any{"name", "from_columns", "to_dataset", "to_columns"}, map[string]any{
			"name": str, "from_columns": strs, "to_dataset": str, "to_columns": strs,
			"type":        map[string]any{"type": "string", "enum": []any{"many_to_one", "one_to_one", "one_to_many"}},
			"description": str, "ai_context": aiContext,
		}),
		"SemanticMetric": object([]any{"name", "expression"}, map[string]any{
			"name": str, "expression": str, "description": str, "synonyms": strs, "ai_context": aiContext,
		}),
		"SemanticFilter": object([]any{"name", "expression"}, map[string]any{
			"name": str, "expression": str, "description": str, "synonyms": strs,
		}),
		"SemanticVerifiedQuery": object([]any{"name", "question", "sql"}, map[string]any{
			"name": str, "question": str, "sql": str, "verified_by": str, "verified_at": str,
		}),
		"SemanticContext": object([]any{"fields", "datasets", "relationships", "filters", "metrics", "verified_queries", "prompt", "tokens", "budget", "truncated"}, map[string]any{
			"fields": arrayOf("SemanticContextField"), "datasets": arrayOf("SemanticContextDataset"),
			"relationships": arrayOf("SemanticContextRelationship"),
			"filters":       arrayOf("SemanticContextNamed"), "metrics": arrayOf("SemanticContextNamed"),
			"verified_queries": arrayOf("SemanticVerifiedQuery"),
			"prompt":           map[string]any{"type": "string", "description": "The same content as a block to paste into a prompt."},
			"tokens":           map[string]any{"type": "integer", "minimum": 0, "description": "The prompt's estimated size in tokens."},
			"budget":           map[string]any{"type": "integer", "minimum": semantic.MinBudget, "maximum": semantic.MaxBudget},
			"truncated":        map[string]any{"type": "boolean", "description": "Relevant content was left out for the budget."},
		}),
		"SemanticContextField": object([]any{"dataset", "field", "score", "sensitivity"}, map[string]any{
			"dataset": str, "field": str, "score": map[string]any{"type": "number"},
			"datatype": str, "expression": str, "description": str, "synonyms": strs, "sample_values": strs,
			"is_enum": boolean, "sensitivity": sensitivity, "hint": str,
			"join_key": map[string]any{"type": "boolean", "description": "Ranked only to join two datasets of the context."},
		}),
		"SemanticContextDataset": object([]any{"name", "table"}, map[string]any{
			"name": str, "table": str, "description": str, "hint": str,
		}),
		"SemanticContextRelationship": object([]any{"from", "to", "on"}, map[string]any{
			"from": str, "to": str, "on": map[string]any{"type": "string", "description": "The join condition, as SQL."}, "type": str,
		}),
		"SemanticContextNamed": object([]any{"dataset", "name", "expression"}, map[string]any{
			"dataset": str, "name": str, "expression": str, "description": str,
		}),
	}
}
