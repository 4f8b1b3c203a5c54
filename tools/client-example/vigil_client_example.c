/* A C program that verifies signatures on a Vigil accelerator service
 * through libvigil_client's C ABI only (vigil_client.h).
 *
 *   vigil_client_example [--tls-ca PEM] [--timeout-ms N] SERVERS KEYFILE
 *                        strict|zip215 < lines
 *
 * With --tls-ca it connects over TLS and checks the server certificate
 * against that file; --timeout-ms is each call's deadline (default 2000).
 * Each input line is "PUBKEY_HEX SIGNATURE_HEX MESSAGE_HEX" (the message
 * may be empty); each output line is "valid" or "invalid", then a summary
 * on standard error of how many the service answered and how many the
 * local fallback did. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vigil_client.h>

enum { MAX_ITEMS = 256, MAX_MSG = 4096 };

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes hex into out (at most cap bytes); the byte count, or -1. */
static long from_hex(const char* hex, size_t len, uint8_t* out, size_t cap) {
  if (len % 2 || len / 2 > cap) return -1;
  for (size_t i = 0; i < len / 2; ++i) {
    int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return (long)(len / 2);
}

struct batch {
  uint8_t pk[MAX_ITEMS][32], sig[MAX_ITEMS][64], msg[MAX_ITEMS][MAX_MSG];
  vigil_client_item items[MAX_ITEMS];
  size_t n;
};

static int flush(vigil_client* c, struct batch* b, int rules, int counts[2]) {
  uint32_t words[(MAX_ITEMS + 31) / 32];
  if (b->n == 0) return 0;
  int source = vigil_client_verify(c, b->items, b->n, rules, words, NULL, 0);
  if (source < 0) return -1;
  counts[source] += (int)b->n;
  for (size_t i = 0; i < b->n; ++i) puts((words[i / 32] >> (i % 32)) & 1 ? "valid" : "invalid");
  b->n = 0;
  return 0;
}

int main(int argc, char** argv) {
  const char* tls_ca = NULL;
  uint32_t timeout_ms = 2000;
  while (argc >= 6 && strncmp(argv[1], "--", 2) == 0) {
    if (strcmp(argv[1], "--tls-ca") == 0) {
      tls_ca = argv[2];
    } else if (strcmp(argv[1], "--timeout-ms") == 0) {
      timeout_ms = (uint32_t)strtoul(argv[2], NULL, 10);
    } else {
      break;
    }
    argv += 2;
    argc -= 2;
  }
  if (argc != 4) {
    fprintf(stderr,
            "usage: %s [--tls-ca PEM] [--timeout-ms N] HOST:PORT[,HOST:PORT...] KEYFILE "
            "strict|zip215 < lines\n",
            argv[0]);
    return 2;
  }
  char key[512] = "";
  FILE* kf = fopen(argv[2], "r");
  if (!kf || !fgets(key, sizeof key, kf)) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  fclose(kf);
  const int rules = strcmp(argv[3], "strict") == 0 ? VIGIL_CLIENT_STRICT : VIGIL_CLIENT_ZIP215;
  vigil_client_options opts;
  memset(&opts, 0, sizeof opts);
  opts.size = sizeof opts;
  opts.servers = argv[1];
  opts.key_line = key;
  opts.timeout_ms = timeout_ms;
  opts.tls = tls_ca != NULL;
  opts.tls_ca = tls_ca;
  char err[256];
  vigil_client* c = vigil_client_open_opts(&opts, err, sizeof err);
  if (!c) {
    fprintf(stderr, "vigil_client_open_opts: %s\n", err);
    return 2;
  }
  static struct batch b;
  static char line[2 * (32 + 64 + MAX_MSG) + 8];
  int counts[2] = {0, 0};
  while (fgets(line, sizeof line, stdin)) {
    char* fields[3] = {NULL, NULL, NULL};
    int nf = 0;
    for (char* tok = strtok(line, " \t\r\n"); tok && nf < 3; tok = strtok(NULL, " \t\r\n"))
      fields[nf++] = tok;
    size_t i = b.n;
    if (nf < 2 || from_hex(fields[0], strlen(fields[0]), b.pk[i], 32) != 32 ||
        from_hex(fields[1], strlen(fields[1]), b.sig[i], 64) != 64) {
      fprintf(stderr, "bad line\n");
      return 2;
    }
    long m = nf == 3 ? from_hex(fields[2], strlen(fields[2]), b.msg[i], MAX_MSG) : 0;
    if (m < 0) {
      fprintf(stderr, "bad message\n");
      return 2;
    }
    b.items[i] = (vigil_client_item){b.pk[i], b.sig[i], b.msg[i], (size_t)m};
    if (++b.n == MAX_ITEMS && flush(c, &b, rules, counts) != 0) return 1;
  }
  if (flush(c, &b, rules, counts) != 0) return 1;
  fprintf(stderr, "remote %d, local %d\n", counts[VIGIL_CLIENT_REMOTE], counts[VIGIL_CLIENT_LOCAL]);
  vigil_client_close(c);
  return 0;
}
