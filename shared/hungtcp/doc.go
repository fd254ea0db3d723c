// Package hungtcp gives tests TCP addresses whose connects hang, as a
// black-holed address's do, without a network: a listener whose accept
// queue is full (Linux drops the SYNs of further connects). Tests of
// clients that must give up on a connect use it.
package hungtcp
