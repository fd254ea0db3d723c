// Package hungtcp gives tests TCP addresses that hang, as a black-holed or
// stalled server's do, without a network: a listener whose accept queue is
// full (Linux drops the SYNs of further connects), and one that accepts and
// never answers (a TLS handshake with it hangs). Tests of clients that must
// give up on a connect or handshake use them.
package hungtcp
