package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

type listInput struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	State string `json:"state"`
}

type createInput struct {
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
}

// issue is what the actions return of a GitHub issue.
type issue struct {
	Number    int      `json:"number"`
	Title     string   `json:"title"`
	State     string   `json:"state"`
	URL       string   `json:"url"`
	Author    string   `json:"author"`
	Labels    []string `json:"labels"`
	Comments  int      `json:"comments"`
	CreatedAt string   `json:"created_at"`
}

type listOutput struct {
	Issues []issue `json:"issues"`
}

// apiIssue is the part of GitHub's issue object the plugin reads.
type apiIssue struct {
	Number  int    `json:"number"`
	Title   string `json:"title"`
	State   string `json:"state"`
	HTMLURL string `json:"html_url"`
	User    struct {
		Login string `json:"login"`
	} `json:"user"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
	Comments    int    `json:"comments"`
	CreatedAt   string `json:"created_at"`
	PullRequest *struct {
		URL string `json:"url"`
	} `json:"pull_request"`
}

func (a apiIssue) issue() issue {
	labels := make([]string, 0, len(a.Labels))
	for _, l := range a.Labels {
		labels = append(labels, l.Name)
	}
	return issue{
		Number: a.Number, Title: a.Title, State: a.State, URL: a.HTMLURL, Author: a.User.Login,
		Labels: labels, Comments: a.Comments, CreatedAt: a.CreatedAt,
	}
}

// listIssues returns the first page of a repository's issues in state
// (open by default), leaving out pull requests, which GitHub lists too.
func (c client) listIssues(in listInput) (listOutput, error) {
	path, err := repoPath(in.Owner, in.Repo)
	if err != nil {
		return listOutput{}, err
	}
	state := in.State
	switch state {
	case "":
		state = "open"
	case "open", "closed", "all":
	default:
		return listOutput{}, fmt.Errorf("%w: state must be open, closed or all", errInvalidInput)
	}
	query := url.Values{"state": {state}, "per_page": {strconv.Itoa(perPage)}}
	var page []apiIssue
	if err := c.do("GET", path+"/issues?"+query.Encode(), nil, &page, 200); err != nil {
		return listOutput{}, err
	}
	out := listOutput{Issues: []issue{}}
	for _, a := range page {
		if a.PullRequest == nil {
			out.Issues = append(out.Issues, a.issue())
		}
	}
	return out, nil
}

// createIssue opens an issue and returns it as GitHub created it.
func (c client) createIssue(in createInput) (issue, error) {
	path, err := repoPath(in.Owner, in.Repo)
	if err != nil {
		return issue{}, err
	}
	if strings.TrimSpace(in.Title) == "" {
		return issue{}, fmt.Errorf("%w: title is required", errInvalidInput)
	}
	body := map[string]string{"title": in.Title}
	if in.Body != "" {
		body["body"] = in.Body
	}
	var created apiIssue
	if err := c.do("POST", path+"/issues", body, &created, 201); err != nil {
		return issue{}, err
	}
	return created.issue(), nil
}
