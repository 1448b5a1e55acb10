package pgstore

// ListenerName is the revocation listener's application_name.
const ListenerName = listenerName
