/* Sign a request, then verify it as a gateway does: the head first, then the body in chunks.
 * cc -std=c11 examples/ffi/example.c -I signer-ffi/include target/release/libingo_signer.a \
 *    -lpthread -ldl -lm -o example */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ingo_signer.h"

int main(void) {
  const char *secret = "demo-secret-not-for-production";
  const char *body = "{\"participant_unique_id1\":\"70646041\"}";
  IngoKey *key = NULL;
  int32_t rc = ingo_key_new("demo", 4, secret, strlen(secret), &key);
  if (rc != INGO_OK) return fprintf(stderr, "key: %s\n", ingo_error_message(rc)), 1;

  /* Sign: the library writes the header values into your buffers. */
  IngoSignRequest req = {.method = INGO_LIT("POST"),
                         .target = INGO_LIT("/api/v1/sessions/point-in-time/plugin"),
                         .body = {body, strlen(body)}};
  char date[INGO_X_DATE_LEN + 1], length[INGO_CONTENT_LENGTH_MAX + 1];
  char digest[INGO_DIGEST_SHA512_LEN + 1], auth[INGO_AUTHORIZATION_MAX + 1];
  IngoSigned out = {.x_date = {date, sizeof date, 0},
                    .content_length = {length, sizeof length, 0},
                    .digest = {digest, sizeof digest, 0},
                    .authorization = {auth, sizeof auth, 0}};
  uint64_t now = (uint64_t)time(NULL);
  rc = ingo_sign(key, &req, now, &out);
  if (rc != INGO_OK) return fprintf(stderr, "sign: %s\n", ingo_error_message(rc)), 1;
  printf("X-Date: %s\nContent-Type: %.*s\nContent-Length: %s\n%s: %s\nAuthorization: %s\n", date,
         (int)out.content_type.len, out.content_type.ptr, length, out.digest_header, digest, auth);

  /* Verify the request as received. */
  IngoHeader headers[] = {
      {INGO_LIT("X-Date"), {date, out.x_date.len}},
      {INGO_LIT("Content-Type"), out.content_type},
      {INGO_LIT("Content-Length"), {length, out.content_length.len}},
      {{out.digest_header, strlen(out.digest_header)}, {digest, out.digest.len}},
      {INGO_LIT("Authorization"), {auth, out.authorization.len}},
  };
  IngoRequestHead head = {req.method, req.target, INGO_HTTP_1_1, headers, 5};
  IngoKey *keys[] = {key};       /* several handles per username: key rotation */
  IngoPending pending;           /* caller storage: nothing is allocated */
  IngoVerified who;
  rc = ingo_verify_head(keys, 1, NULL, &head, now, &pending); /* NULL: the default policy */
  if (rc == INGO_OK) {
    for (size_t at = 0, len = strlen(body); at < len && rc == INGO_OK; at += 16)
      rc = ingo_pending_update(&pending, body + at, len - at < 16 ? len - at : 16);
    rc = ingo_pending_finish(&pending, &who); /* repeats an update's failure */
  }
  if (rc != INGO_OK) {
    char why[256];
    ingo_last_error_message(why, sizeof why);
    fprintf(stderr, "refused with HTTP %d (%s): %s\n", ingo_error_http_status(rc),
            ingo_error_kind(rc), why);
  } else {
    printf("verified: %s\n", who.username);
  }
  ingo_key_free(key);
  return rc == INGO_OK ? 0 : 1;
}
