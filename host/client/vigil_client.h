/* libvigil_client: the accelerator service's client as a C ABI (no C++
 * types), for programs in any language that can call C. It verifies
 * Ed25519 signatures on a list of Vigil servers (firmware-interface/vigil/
 * fi/service.h), balances and fails over across them, and verifies on the
 * local CPU when none answers within the deadline, so every call returns
 * verdicts. All functions are thread-safe. */
#ifndef VIGIL_CLIENT_H
#define VIGIL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vigil_client vigil_client;

/* Rule sets: the values of enum vigil_rules. */
#define VIGIL_CLIENT_STRICT 1
#define VIGIL_CLIENT_ZIP215 2

/* Where a call's verdicts came from (return value of the verify calls). */
#define VIGIL_CLIENT_REMOTE 0
#define VIGIL_CLIENT_LOCAL 1
/* Negative returns: the call was refused (bad arguments), no verdicts. */
#define VIGIL_CLIENT_EINVAL (-1)

typedef struct vigil_client_item {
  const uint8_t* pubkey;    /* 32 bytes */
  const uint8_t* signature; /* 64 bytes */
  const uint8_t* msg;
  size_t msg_len;
} vigil_client_item;

typedef struct vigil_client_stats {
  uint64_t requests, remote, local_fallback, failovers, overloaded, timeouts;
  uint64_t connects, connect_failures, refused_handshakes;
} vigil_client_stats;

/* servers: "HOST:PORT[,HOST:PORT...]" (numeric addresses or localhost);
 * key_line: the client's key as `vigil keygen` prints it; timeout_ms: the
 * default deadline of a call (0: 2000). NULL on error, with the reason in
 * err (when err_len > 0). */
vigil_client* vigil_client_open(const char* servers, const char* key_line, uint32_t timeout_ms,
                                char* err, size_t err_len);

/* Everything vigil_client_open takes, and more. Zero-initialise it, set
 * `size` to sizeof(vigil_client_options) (so later versions can grow it),
 * then the fields wanted; zero or NULL fields keep their defaults. */
typedef struct vigil_client_options {
  uint32_t size;
  const char* servers;  /* required, as for vigil_client_open */
  const char* key_line; /* required, as for vigil_client_open */
  uint32_t timeout_ms;  /* 0: 2000 */
  /* TLS (Boost.Asio SSL over OpenSSL): connect over TLS when tls is non-zero.
   * tls_ca: NULL, or a PEM file the server certificate must chain to (the
   * certificate is then verified; without it, TLS gives confidentiality and
   * the Ed25519 handshake alone authenticates the server). */
  int tls;
  const char* tls_ca;
  /* NULL, or the server's public key (64 hex digits): any other is refused. */
  const char* server_key_hex;
  /* Non-zero: never verify locally; a call no server answers in time
   * returns VIGIL_CLIENT_EUNANSWERED instead. */
  int no_local_fallback;
} vigil_client_options;

/* Returned by the verify calls of a client opened with no_local_fallback
 * when no server answered within the deadline (no verdicts). */
#define VIGIL_CLIENT_EUNANSWERED (-2)

vigil_client* vigil_client_open_opts(const vigil_client_options* opts, char* err, size_t err_len);
void vigil_client_close(vigil_client* c);

/* Verifies n items under `rules`. verdict_words (n+31)/32 words: bit i set
 * when item i is valid. errors: NULL or n bytes, one enum vigil_error per
 * item. timeout_ms 0: the client's default. Returns VIGIL_CLIENT_REMOTE or
 * VIGIL_CLIENT_LOCAL, or VIGIL_CLIENT_EINVAL (or VIGIL_CLIENT_EUNANSWERED,
 * see vigil_client_options). */
int vigil_client_verify(vigil_client* c, const vigil_client_item* items, size_t n, int rules,
                        uint32_t* verdict_words, uint8_t* errors, uint32_t timeout_ms);

/* The asynchronous form: returns at once (items are copied); `done` runs
 * later on a client thread with the verdicts (valid only during the call)
 * and must not block; with no_local_fallback and no answer in time, source
 * is VIGIL_CLIENT_EUNANSWERED and both pointers are NULL. Returns 0, or VIGIL_CLIENT_EINVAL (done
 * not called). */
typedef void (*vigil_client_done)(void* user, int source, const uint32_t* verdict_words,
                                  const uint8_t* errors, size_t n);
int vigil_client_verify_async(vigil_client* c, const vigil_client_item* items, size_t n, int rules,
                              uint32_t timeout_ms, vigil_client_done done, void* user);

void vigil_client_get_stats(vigil_client* c, vigil_client_stats* out);

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_CLIENT_H */
