package rag

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// paragraphBreak separates paragraphs: a blank line.
var paragraphBreak = regexp.MustCompile(`\n[ \t\r]*\n`)

// text emits str per paragraph; a paragraph over the target is cut into
// pieces along sentences, each repeating the tail of the one before.
func (s *splitter) text(str, pointer string) error {
	n := 0
	for _, para := range paragraphBreak.Split(str, -1) {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		p := pointer + "#p" + strconv.Itoa(n)
		n++
		if len(para) <= s.c.target() {
			if err := s.emit(p, para); err != nil {
				return err
			}
			continue
		}
		for i, piece := range s.pieces(para) {
			if err := s.emit(p+"."+strconv.Itoa(i), piece); err != nil {
				return err
			}
		}
	}
	if n == 0 {
		return s.emit(pointer, strings.TrimSpace(str))
	}
	return nil
}

// pieces packs the sentences of para into pieces of about the target size;
// every piece after the first starts with the last Overlap bytes of the one
// before (from a word boundary).
func (s *splitter) pieces(para string) []string {
	target, overlap := s.c.target(), s.c.overlap()
	var out []string
	var cur strings.Builder
	fresh := 0 // bytes of cur that are not overlap
	flush := func() {
		out = append(out, cur.String())
		tail := tailFrom(cur.String(), overlap)
		cur.Reset()
		cur.WriteString(tail)
		fresh = 0
	}
	for _, unit := range units(para, target-overlap) {
		if fresh > 0 && cur.Len()+len(unit) > target {
			flush()
		}
		cur.WriteString(unit)
		fresh += len(unit)
	}
	if fresh > 0 {
		out = append(out, cur.String())
	}
	return out
}

// units splits para into sentences (ending at . ! ? or a newline, with the
// whitespace after them), and cuts any sentence longer than max at rune
// boundaries.
func units(para string, max int) []string {
	var out []string
	start := 0
	for i := 0; i < len(para); i++ {
		c := para[i]
		end := c == '\n' || (c == '.' || c == '!' || c == '?') && (i+1 == len(para) || isSpace(para[i+1]))
		if !end {
			continue
		}
		for i+1 < len(para) && isSpace(para[i+1]) {
			i++
		}
		out = append(out, cut(para[start:i+1], max)...)
		start = i + 1
	}
	if start < len(para) {
		out = append(out, cut(para[start:], max)...)
	}
	return out
}

// cut splits s into pieces of at most max bytes at rune boundaries.
func cut(s string, max int) []string {
	var out []string
	for len(s) > max {
		i := max
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		if i == 0 {
			i = max
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return append(out, s)
}

// tailFrom returns about the last n bytes of s, starting at a word boundary
// when there is one and always at a rune boundary.
func tailFrom(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := len(s) - n
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	if j := strings.IndexAny(s[i:], " \n\t"); j >= 0 && j < n/2 {
		i += j + 1
	}
	return s[i:]
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }
