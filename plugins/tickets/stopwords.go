package main

// stopWords are common English words that carry no topic; they end a phrase.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		"a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
		"are", "aren't", "as", "at", "be", "because", "been", "before", "being", "below", "between",
		"both", "but", "by", "can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do",
		"does", "doesn't", "doing", "don't", "down", "during", "each", "even", "ever", "every", "few",
		"for", "from", "further", "get", "gets", "getting", "got", "had", "hadn't", "has", "hasn't",
		"have", "haven't", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his",
		"how", "however", "i", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's", "its",
		"itself", "just", "let", "like", "me", "more", "most", "much", "must", "my", "myself", "no",
		"nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours",
		"ourselves", "out", "over", "own", "please", "same", "she", "should", "shouldn't", "since",
		"so", "some", "still", "such", "than", "that", "that's", "the", "their", "theirs", "them",
		"themselves", "then", "there", "there's", "these", "they", "this", "those", "through", "to",
		"too", "under", "until", "up", "us", "very", "via", "was", "wasn't", "we", "we're", "were",
		"weren't", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
		"won't", "would", "wouldn't", "yet", "you", "your", "yours", "yourself", "yourselves",
	} {
		m[w] = true
	}
	return m
}()
