/*
 * The C ABI from C: known answers from test-vectors/ (signing, one-shot and streaming
 * verification), and the codes of malformed input and too-small buffers.
 *
 * Built by signer-ffi/ci.sh against the static library:
 *   gcc -std=c11 -Wall -Wextra -Werror -I signer-ffi/include -I $GEN test_ffi.c \
 *       libingo_signer.a -lpthread -ldl -lm
 * where $GEN holds vectors.h from gen_vectors.py. Prints one line per failed check and ends
 * with "N passed, M failed"; exits non-zero on any failure.
 */
#define _GNU_SOURCE /* strptime, timegm, strncasecmp */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingo_signer.h"

typedef struct VKey {
  IngoStr username;
  IngoStr secret;
} VKey;

typedef struct Vector {
  const char *name;
  const char *group; /* signing, accept, reject */
  const VKey *keys;
  size_t keys_len;
  uint8_t allow_legacy;
  uint64_t max_skew, max_body;
  const IngoStr *required;
  size_t required_len;
  uint64_t now;
  IngoStr method, target;
  int32_t version;
  const IngoHeader *headers;
  size_t headers_len;
  IngoStr body;
  /* signing and accept vectors */
  IngoStr username, secret;
  int32_t algorithm;
  IngoStr signed_headers, signing_string, digest_header, digest, signature, authorization;
  /* reject vectors */
  const char *expected_error;
  int http_status;
} Vector;

#include "vectors.h"

_Static_assert(sizeof(IngoPending) == INGO_PENDING_WORDS * 8, "IngoPending size");
_Static_assert(_Alignof(IngoPending) == 16, "IngoPending alignment");

static int passed, failed;
static const char *context = "";

#define CHECK(cond, ...)                                        \
  do {                                                          \
    if (cond) {                                                 \
      passed++;                                                 \
    } else {                                                    \
      failed++;                                                 \
      fprintf(stderr, "FAIL %s:%d [%s] %s: ", __FILE__, __LINE__, \
              context, #cond);                                  \
      fprintf(stderr, __VA_ARGS__);                             \
      fputc('\n', stderr);                                      \
    }                                                           \
  } while (0)

/* A code check that names both codes by kind, and the library's full message. */
#define CHECK_CODE(got, want)                                                   \
  do {                                                                          \
    int32_t got_ = (got), want_ = (want);                                       \
    char msg_[256];                                                             \
    ingo_last_error_message(msg_, sizeof msg_);                                 \
    CHECK(got_ == want_, "got %d (%s: %s), want %d (%s)", got_,                 \
          ingo_error_kind(got_), msg_, want_, ingo_error_kind(want_));          \
  } while (0)

static int str_eq(const char *buf, size_t len, IngoStr want) {
  return len == want.len && memcmp(buf, want.ptr, len) == 0;
}

static IngoStr cstr(const char *s) {
  IngoStr out = {s, strlen(s)};
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Vectors */

typedef struct Keys {
  IngoKey *handles[8];
  size_t len;
} Keys;

static void keys_load(const Vector *v, Keys *keys) {
  keys->len = 0;
  for (size_t i = 0; i < v->keys_len; i++) {
    IngoKey *key = NULL;
    int32_t rc = ingo_key_new(v->keys[i].username.ptr, v->keys[i].username.len,
                              v->keys[i].secret.ptr, v->keys[i].secret.len, &key);
    /* A username no key can have (a backslash) stays out of the store, as in the Rust test:
     * those vectors fail on the Authorization grammar first. */
    if (rc == INGO_OK) {
      keys->handles[keys->len++] = key;
    } else {
      CHECK(rc == INGO_E_KEY_USERNAME && key == NULL, "ingo_key_new: %s", ingo_error_kind(rc));
    }
  }
}

static void keys_free(Keys *keys) {
  for (size_t i = 0; i < keys->len; i++) ingo_key_free(keys->handles[i]);
  keys->len = 0;
}

static IngoPolicy vector_policy(const Vector *v) {
  IngoPolicy policy = ingo_policy_default();
  policy.allow_legacy_sha256 = v->allow_legacy;
  policy.max_skew = v->max_skew;
  policy.max_body = v->max_body;
  policy.required_headers = v->required;
  policy.required_headers_len = v->required_len;
  return policy;
}

static IngoRequestHead vector_head(const Vector *v) {
  IngoRequestHead head = {v->method, v->target, v->version, v->headers, v->headers_len};
  return head;
}

/* Verifies head first, then the body in chunks of `chunk` bytes. Returns the first failure's
 * code, or INGO_OK with *out filled. */
static int32_t verify_streaming(const Vector *v, const Keys *keys, size_t chunk,
                                IngoVerified *out) {
  IngoPolicy policy = vector_policy(v);
  IngoRequestHead head = vector_head(v);
  IngoPending pending;
  int32_t rc = ingo_verify_head(keys->handles, keys->len, &policy, &head,
                                v->now, &pending);
  if (rc != INGO_OK) {
    /* A failed head leaves nothing in progress. */
    CHECK(ingo_pending_update(&pending, "x", 1) == INGO_E_PENDING_STATE, "after failed head");
    return rc;
  }
  uint64_t declared = 0;
  CHECK_CODE(ingo_pending_content_length(&pending, &declared), INGO_OK);
  char username[INGO_USERNAME_MAX + 1];
  IngoBuf name = {username, sizeof username, 0};
  CHECK_CODE(ingo_pending_username(&pending, &name), INGO_OK);
  for (size_t at = 0; at < v->body.len; at += chunk) {
    size_t n = v->body.len - at < chunk ? v->body.len - at : chunk;
    rc = ingo_pending_update(&pending, v->body.ptr + at, n);
    if (rc != INGO_OK) break; /* remembered: finish reports it */
  }
  int32_t finished = ingo_pending_finish(&pending, out);
  if (rc != INGO_OK) CHECK_CODE(finished, rc);
  /* Finished: nothing is in progress any more. */
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_PENDING_STATE);
  if (finished == INGO_OK) {
    CHECK(declared == v->body.len, "declared %" PRIu64, declared);
    CHECK(strcmp(username, out->username) == 0, "head username %s vs %s", username,
          out->username);
  }
  return finished;
}

static int32_t verify_one_shot(const Vector *v, const Keys *keys, IngoVerified *out) {
  IngoPolicy policy = vector_policy(v);
  IngoRequestHead head = vector_head(v);
  return ingo_verify(keys->handles, keys->len, &policy, &head,
                     v->body.ptr, v->body.len, v->now, out);
}

/* The intermediate values of a signing or accept vector, through the ABI. */
static void check_steps(const Vector *v, int canonical) {
  IngoRequestHead head = vector_head(v);
  char buf[8192];
  IngoBuf out = {buf, sizeof buf, 0};
  CHECK_CODE(ingo_signing_string(v->signed_headers.ptr, v->signed_headers.len, &head, &out),
             INGO_OK);
  CHECK(str_eq(buf, out.len, v->signing_string), "signing string");

  int32_t digest_alg = strncmp(v->digest_header.ptr, "content-sha256", 14) == 0
                           ? INGO_DIGEST_SHA256
                           : INGO_DIGEST_SHA512;
  out.len = 0;
  CHECK_CODE(ingo_body_digest(digest_alg, v->body.ptr, v->body.len, &out), INGO_OK);
  CHECK(str_eq(buf, out.len, v->digest), "digest %s", buf);

  IngoKey *key = NULL;
  CHECK_CODE(ingo_key_new(v->username.ptr, v->username.len, v->secret.ptr, v->secret.len, &key),
             INGO_OK);
  out.len = 0;
  CHECK_CODE(ingo_sign_head(key, v->algorithm, v->signed_headers.ptr, v->signed_headers.len,
                            &head, &out),
             INGO_OK);
  if (canonical) {
    CHECK(str_eq(buf, out.len, v->authorization), "authorization %s", buf);
  } else {
    /* Accept vectors send a non-canonical Authorization; the MAC is still the canonical one. */
    const char *sig = strstr(buf, "signature=\"");
    CHECK(sig && str_eq(sig + 11, v->signature.len, v->signature), "signature in %s", buf);
  }
  ingo_key_free(key);
}

/* Where the signed list is one ingo_sign writes (either order, extras appended), ingo_sign must
 * reproduce the vector's headers. Returns whether the vector went through it. */
static int check_signer(const Vector *v) {
  const char *list = v->signed_headers.ptr;
  size_t len = v->signed_headers.len;
  const char *digest = v->algorithm == INGO_HMAC_SHA256 ? "content-sha256" : "content-sha512";
  char last[64], length_last[64];
  snprintf(last, sizeof last, "request-line x-date content-type content-length %s", digest);
  snprintf(length_last, sizeof length_last, "request-line x-date content-type %s content-length",
           digest);
  int32_t order;
  size_t base = strlen(last);
  if (len >= base && memcmp(list, last, base) == 0 && (len == base || list[base] == ' ')) {
    order = INGO_ORDER_DIGEST_LAST;
  } else if (len >= base && memcmp(list, length_last, base) == 0 &&
             (len == base || list[base] == ' ')) {
    order = INGO_ORDER_LENGTH_LAST;
  } else {
    return 0;
  }
  /* Extras: the names after the first five, with their values from the request. */
  IngoHeader extras[INGO_MAX_EXTRA_HEADERS];
  size_t n_extras = 0;
  const char *find_value_for[] = {"x-date", "content-type", "content-length"};
  IngoStr found[3] = {{0, 0}, {0, 0}, {0, 0}};
  for (size_t h = 0; h < v->headers_len; h++) {
    for (size_t f = 0; f < 3; f++) {
      if (v->headers[h].name.len == strlen(find_value_for[f]) &&
          strncasecmp(v->headers[h].name.ptr, find_value_for[f], v->headers[h].name.len) == 0)
        found[f] = v->headers[h].value;
    }
  }
  size_t at = base;
  while (at < len) {
    at++; /* the space */
    size_t end = at;
    while (end < len && list[end] != ' ') end++;
    IngoStr name = {list + at, end - at};
    for (size_t h = 0; h < v->headers_len; h++) {
      if (v->headers[h].name.len == name.len &&
          strncasecmp(v->headers[h].name.ptr, name.ptr, name.len) == 0) {
        extras[n_extras].name = name;
        extras[n_extras].value = v->headers[h].value;
        n_extras++;
        break;
      }
    }
    at = end;
  }
  IngoKey *key = NULL;
  CHECK_CODE(ingo_key_new(v->username.ptr, v->username.len, v->secret.ptr, v->secret.len, &key),
             INGO_OK);
  /* Content-Type may carry surrounding whitespace on the wire; the signer signs it trimmed. */
  IngoStr ct = found[1];
  while (ct.len && (ct.ptr[0] == ' ' || ct.ptr[0] == '\t')) ct.ptr++, ct.len--;
  while (ct.len && (ct.ptr[ct.len - 1] == ' ' || ct.ptr[ct.len - 1] == '\t')) ct.len--;
  IngoSignRequest request;
  memset(&request, 0, sizeof request);
  request.method = v->method;
  request.target = v->target;
  request.content_type = ct;
  request.body = v->body;
  request.extra_headers = extras;
  request.extra_headers_len = n_extras;
  request.algorithm = v->algorithm;
  request.version = v->version;
  request.order = order;
  char x_date[INGO_X_DATE_LEN + 1], length[INGO_CONTENT_LENGTH_MAX + 1],
      digest_buf[INGO_DIGEST_SHA512_LEN + 1], auth[INGO_AUTHORIZATION_MAX + 1];
  IngoSigned out = {
      .x_date = {x_date, sizeof x_date, 0},
      .content_length = {length, sizeof length, 0},
      .digest = {digest_buf, sizeof digest_buf, 0},
      .authorization = {auth, sizeof auth, 0},
  };
  /* Sign at the vector's X-Date (parsed here with the C library, not with the signer). */
  IngoStr date = found[0];
  while (date.len && (date.ptr[0] == ' ' || date.ptr[0] == '\t')) date.ptr++, date.len--;
  while (date.len && (date.ptr[date.len - 1] == ' ' || date.ptr[date.len - 1] == '\t'))
    date.len--;
  char date_text[64];
  snprintf(date_text, sizeof date_text, "%.*s", (int)date.len, date.ptr);
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *end = strptime(date_text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  CHECK(end && *end == 0, "X-Date %s parses", date_text);
  uint64_t when = (uint64_t)timegm(&tm);
  CHECK_CODE(ingo_sign(key, &request, when, &out), INGO_OK);
  int matched = str_eq(x_date, out.x_date.len, date);
  CHECK(matched, "x-date %s, expected %s", x_date, date_text);
  if (matched) {
    CHECK(str_eq(length, out.content_length.len, found[2]), "content-length %s", length);
    CHECK(str_eq(digest_buf, out.digest.len, v->digest), "digest %s", digest_buf);
    CHECK(str_eq(auth, out.authorization.len, v->authorization), "authorization %s", auth);
    CHECK(out.content_type.len == ct.len && memcmp(out.content_type.ptr, ct.ptr, ct.len) == 0,
          "content type");
    CHECK(strcmp(out.digest_header,
                 v->algorithm == INGO_HMAC_SHA256 ? "Content-sha256" : "Content-sha512") == 0,
          "digest header %s", out.digest_header);
  }
  ingo_key_free(key);
  return 1;
}

static void run_vectors(void) {
  size_t through_signer = 0, signing = 0;
  for (size_t i = 0; i < VECTOR_COUNT; i++) {
    const Vector *v = VECTORS[i];
    context = v->name;
    Keys keys;
    keys_load(v, &keys);
    IngoVerified one, streamed;
    memset(&one, 0, sizeof one);
    memset(&streamed, 0, sizeof streamed);
    int32_t rc = verify_one_shot(v, &keys, &one);
    /* Streaming in 7-byte chunks and in one chunk must agree with the one-shot verdict. */
    int32_t rc7 = verify_streaming(v, &keys, 7, &streamed);
    int32_t rc1 = verify_streaming(v, &keys, v->body.len ? v->body.len : 1, &streamed);
    CHECK(rc7 == rc && rc1 == rc, "one-shot %s, streamed %s / %s", ingo_error_kind(rc),
          ingo_error_kind(rc7), ingo_error_kind(rc1));
    if (strcmp(v->group, "reject") == 0) {
      CHECK(rc != INGO_OK && strcmp(ingo_error_kind(rc), v->expected_error) == 0,
            "got %s, expected %s", ingo_error_kind(rc), v->expected_error);
      CHECK(ingo_error_http_status(rc) == v->http_status, "status %d, expected %d",
            ingo_error_http_status(rc), v->http_status);
    } else {
      CHECK_CODE(rc, INGO_OK);
      CHECK(str_eq(one.username, one.username_len, v->username), "username %s", one.username);
      CHECK(one.algorithm == v->algorithm, "algorithm %d", one.algorithm);
      CHECK(strcmp(one.username, streamed.username) == 0 && one.algorithm == streamed.algorithm &&
                one.key_index == streamed.key_index,
            "one-shot and streamed results differ");
      int canonical = strcmp(v->group, "signing") == 0;
      check_steps(v, canonical);
      if (canonical) {
        signing++;
        through_signer += (size_t)check_signer(v);
      }
    }
    keys_free(&keys);
  }
  context = "vectors";
  CHECK(VECTOR_COUNT >= 240, "only %d vectors", VECTOR_COUNT);
  CHECK(through_signer * 2 >= signing, "only %zu of %zu signing vectors went through ingo_sign",
        through_signer, signing);
}

/* ------------------------------------------------------------------------------------------ */
/* Hand-written cases: malformed input, too-small buffers, the pending state machine. */

static const char SECRET[] = "demo-secret-not-for-production";
static const char BODY[] = "{\"participant_unique_id1\":\"70646041\"}";
static const uint64_t NOW = 1579291169;

typedef struct Signed {
  char x_date[INGO_X_DATE_LEN + 1], length[INGO_CONTENT_LENGTH_MAX + 1],
      digest[INGO_DIGEST_SHA512_LEN + 1], auth[INGO_AUTHORIZATION_MAX + 1];
  IngoSigned out;
  IngoHeader headers[6];
} Signed;

static IngoSignRequest demo_request(void) {
  IngoSignRequest request;
  memset(&request, 0, sizeof request);
  request.method = cstr("POST");
  request.target = cstr("/api/v1/sessions/point-in-time/plugin");
  request.body.ptr = BODY;
  request.body.len = sizeof BODY - 1;
  return request;
}

static void signed_init(Signed *s) {
  IngoSigned out = {
      .x_date = {s->x_date, sizeof s->x_date, 0},
      .content_length = {s->length, sizeof s->length, 0},
      .digest = {s->digest, sizeof s->digest, 0},
      .authorization = {s->auth, sizeof s->auth, 0},
  };
  s->out = out;
}

static void signed_headers(Signed *s) {
  IngoHeader h[5] = {
      {cstr("X-Date"), {s->x_date, s->out.x_date.len}},
      {cstr("Content-Type"), s->out.content_type},
      {cstr("Content-Length"), {s->length, s->out.content_length.len}},
      {cstr(s->out.digest_header), {s->digest, s->out.digest.len}},
      {cstr("Authorization"), {s->auth, s->out.authorization.len}},
  };
  memcpy(s->headers, h, sizeof h);
}

/* Signs `request` with `key` at NOW into `s`, checking that it succeeds, and returns the head of
 * the request as sent (`s`'s five headers). */
static IngoRequestHead sign_into(IngoKey *key, const IngoSignRequest *request, Signed *s) {
  signed_init(s);
  CHECK_CODE(ingo_sign(key, request, NOW, &s->out), INGO_OK);
  signed_headers(s);
  IngoRequestHead head = {request->method, request->target, INGO_HTTP_1_1, s->headers, 5};
  return head;
}

/* The demo request signed with `key` at NOW into `s`; the head of the request as sent. */
static IngoRequestHead sign_demo(IngoKey *key, Signed *s) {
  IngoSignRequest request = demo_request();
  return sign_into(key, &request, s);
}

/* ingo_verify of BODY, the demo request's body, under `head`. */
static int32_t verify_body(IngoKey *const *keys, size_t keys_len, const IngoPolicy *policy,
                           const IngoRequestHead *head, uint64_t now, IngoVerified *out) {
  return ingo_verify(keys, keys_len, policy, head, BODY, sizeof BODY - 1, now, out);
}

static void test_keys(void) {
  context = "keys";
  IngoKey *key = (IngoKey *)1;
  CHECK_CODE(ingo_key_new("demo", 4, "", 0, &key), INGO_E_KEY_EMPTY_SECRET);
  CHECK(key == NULL, "out is NULL on failure");
  CHECK_CODE(ingo_key_new("", 0, SECRET, 3, &key), INGO_E_KEY_USERNAME);
  CHECK_CODE(ingo_key_new("a\"b", 3, SECRET, 3, &key), INGO_E_KEY_USERNAME);
  CHECK_CODE(ingo_key_new("caf\xe9", 4, SECRET, 3, &key), INGO_E_INVALID_UTF8);
  CHECK_CODE(ingo_key_new(NULL, 4, SECRET, 3, &key), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_key_new("demo", 4, NULL, 3, &key), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_key_new("demo", 4, SECRET, 3, NULL), INGO_E_NULL_POINTER);
  char message[256];
  size_t n = ingo_last_error_message(message, sizeof message);
  CHECK(n == strlen(message) && strstr(message, "out is NULL"), "message %s", message);
  CHECK_CODE(ingo_key_new("demo", 4, SECRET, sizeof SECRET - 1, &key), INGO_OK);
  CHECK(key != NULL, "a handle");
  CHECK(ingo_last_error_message(message, sizeof message) == 0 && message[0] == 0,
        "success clears the message: %s", message);
  ingo_key_free(key);
  ingo_key_free(NULL);
}

static void test_sign_buffers(IngoKey *key) {
  context = "sign buffers";
  IngoSignRequest request = demo_request();
  Signed s;
  sign_into(key, &request, &s);
  CHECK(strcmp(s.x_date, "Fri, 17 Jan 2020 19:59:29 GMT") == 0, "x-date %s", s.x_date);
  CHECK(strcmp(s.length, "37") == 0 && s.out.content_length.len == 2, "length %s", s.length);
  CHECK(strlen(s.digest) == INGO_DIGEST_SHA512_LEN, "digest %s", s.digest);
  CHECK(strncmp(s.auth, "hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line "
                        "x-date content-type content-length content-sha512\", signature=\"",
                130) == 0,
        "authorization %s", s.auth);
  size_t auth_len = s.out.authorization.len;

  /* A size query: NULL buffers of capacity 0 report every length. */
  IngoSigned query;
  memset(&query, 0, sizeof query);
  CHECK_CODE(ingo_sign(key, &request, NOW, &query), INGO_E_BUFFER_TOO_SMALL);
  CHECK(query.x_date.len == INGO_X_DATE_LEN && query.content_length.len == 2 &&
            query.digest.len == INGO_DIGEST_SHA512_LEN && query.authorization.len == auth_len,
        "lengths %zu %zu %zu %zu", query.x_date.len, query.content_length.len, query.digest.len,
        query.authorization.len);

  /* One buffer one byte short (no room for the NUL): refused, nothing written anywhere. */
  IngoBuf *fields[4];
  const size_t needed[4] = {INGO_X_DATE_LEN, 2, INGO_DIGEST_SHA512_LEN, auth_len};
  for (int f = 0; f < 4; f++) {
    signed_init(&s);
    memset(s.x_date, 'x', sizeof s.x_date);
    memset(s.auth, 'x', sizeof s.auth);
    fields[0] = &s.out.x_date;
    fields[1] = &s.out.content_length;
    fields[2] = &s.out.digest;
    fields[3] = &s.out.authorization;
    fields[f]->cap = needed[f];
    CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_BUFFER_TOO_SMALL);
    CHECK(fields[f]->len == needed[f], "field %d: len %zu, needed %zu", f, fields[f]->len,
          needed[f]);
    CHECK(s.x_date[0] == 0 && s.auth[0] == 0, "field %d: buffers emptied", f);
    char message[256];
    ingo_last_error_message(message, sizeof message);
    CHECK(strstr(message, "bytes are needed") != NULL, "message %s", message);
    /* Exactly len + 1 is enough. */
    fields[f]->cap = needed[f] + 1;
    CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_OK);
  }

  /* A buffer pointer NULL with a capacity. */
  signed_init(&s);
  s.out.digest.ptr = NULL;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_NULL_POINTER);

  /* The digest and signing string calls follow the same rule. */
  char small[10];
  IngoBuf out = {small, sizeof small, 0};
  CHECK_CODE(ingo_body_digest(INGO_DIGEST_SHA256, BODY, sizeof BODY - 1, &out),
             INGO_E_BUFFER_TOO_SMALL);
  CHECK(out.len == INGO_DIGEST_SHA256_LEN && small[0] == 0, "digest len %zu", out.len);
  char exact[INGO_DIGEST_SHA256_LEN + 1];
  IngoBuf fit = {exact, sizeof exact, 0};
  CHECK_CODE(ingo_body_digest(INGO_DIGEST_SHA256, BODY, sizeof BODY - 1, &fit), INGO_OK);
  char sha512[INGO_DIGEST_SHA512_LEN + 1];
  fit.ptr = sha512;
  fit.cap = sizeof sha512;
  CHECK_CODE(ingo_body_digest(3, BODY, sizeof BODY - 1, &fit), INGO_E_INVALID_ARGUMENT);
  CHECK_CODE(ingo_body_digest(0, NULL, 5, &fit), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_body_digest(0, NULL, 0, &fit), INGO_OK); /* the empty body */
  CHECK(strcmp(sha512, "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==") == 0,
        "SHA-512 of nothing: %s", sha512);
}

/* The demo request with `field` set to `value`, signed by `key` into the Signed `*s`, gets the
 * code `want`. */
#define CHECK_SIGN_WITH(key, s, field, value, want)                   \
  do {                                                                \
    IngoSignRequest changed_ = demo_request();                        \
    changed_.field = (value);                                         \
    CHECK_CODE(ingo_sign((key), &changed_, NOW, &(s)->out), (want)); \
  } while (0)

static void test_sign_malformed(IngoKey *key) {
  context = "sign malformed";
  Signed s;
  signed_init(&s);
  IngoSignRequest request = demo_request();
  CHECK_CODE(ingo_sign(NULL, &request, NOW, &s.out), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_sign(key, NULL, NOW, &s.out), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_sign(key, &request, NOW, NULL), INGO_E_NULL_POINTER);

  CHECK_SIGN_WITH(key, &s, algorithm, 3, INGO_E_INVALID_ARGUMENT);
  CHECK_SIGN_WITH(key, &s, version, 12, INGO_E_INVALID_ARGUMENT);
  CHECK_SIGN_WITH(key, &s, order, 3, INGO_E_INVALID_ARGUMENT);

  CHECK_SIGN_WITH(key, &s, method, cstr("PO ST"), INGO_E_SIGNING_STRING_INVALID_METHOD);
  CHECK_SIGN_WITH(key, &s, target, cstr("/a b"), INGO_E_SIGNING_STRING_INVALID_TARGET);
  /* Not UTF-8: judged as the verifier would, not refused. */
  CHECK_SIGN_WITH(key, &s, target, cstr("/caf\xe9"), INGO_E_SIGNING_STRING_INVALID_TARGET);
  CHECK_SIGN_WITH(key, &s, content_type, cstr("text/plain"), INGO_E_SIGN_CONTENT_TYPE);
  CHECK_SIGN_WITH(key, &s, content_type, cstr("application/json\xff"), INGO_E_INVALID_UTF8);
  CHECK_SIGN_WITH(key, &s, body.ptr, NULL, INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_sign(key, &(IngoSignRequest){.method = INGO_LIT("GET"), .target = INGO_LIT("/")},
                       NOW, &s.out),
             INGO_OK); /* an empty body may be NULL */
  CHECK_CODE(ingo_sign(key, &request, 253402300800ULL, &s.out), INGO_E_DATE_YEAR_OUT_OF_RANGE);

  IngoHeader extras[INGO_MAX_EXTRA_HEADERS + 1];
  for (int i = 0; i <= INGO_MAX_EXTRA_HEADERS; i++) {
    extras[i].name = cstr("host");
    extras[i].value = cstr("api.example");
  }
  request = demo_request();
  request.extra_headers = extras;
  request.extra_headers_len = INGO_MAX_EXTRA_HEADERS + 1;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_SIGN_TOO_MANY_EXTRA_HEADERS);
  request.extra_headers_len = 2;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_AUTHORIZATION_DUPLICATE_HEADER_NAME);
  request.extra_headers_len = 1;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_OK);
  CHECK(strstr(s.auth, "content-sha512 host\"") != NULL, "host signed last: %s", s.auth);
  extras[0].name = cstr("Authorization");
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_SIGN_UNSIGNABLE_HEADER);
  extras[0].name = cstr("bad:name");
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_AUTHORIZATION_HEADER_LIST);
  extras[0].name.ptr = NULL;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_NULL_POINTER);
  request.extra_headers = NULL;
  CHECK_CODE(ingo_sign(key, &request, NOW, &s.out), INGO_E_NULL_POINTER);

  /* ingo_sign_head and ingo_signing_string: the list is checked first. */
  IngoRequestHead head = {cstr("GET"), cstr("/"), INGO_HTTP_1_1, NULL, 0};
  char buf[64];
  IngoBuf out = {buf, sizeof buf, 0};
  CHECK_CODE(ingo_sign_head(key, 0, "request-line  x-date", 20, &head, &out),
             INGO_E_AUTHORIZATION_HEADER_LIST);
  CHECK_CODE(ingo_sign_head(key, 0, "x-date", 6, &head, &out), INGO_E_SIGNING_STRING_HEADER_MISSING);
  CHECK_CODE(ingo_sign_head(key, 9, "request-line", 12, &head, &out), INGO_E_INVALID_ARGUMENT);
  CHECK_CODE(ingo_sign_head(key, 0, "request-line", 12, &head, &out), INGO_E_BUFFER_TOO_SMALL);
  CHECK(out.len > sizeof buf && buf[0] == 0, "authorization needs %zu", out.len);
  CHECK_CODE(ingo_signing_string("request-line", 12, &head, &out), INGO_OK);
  CHECK(strcmp(buf, "GET / HTTP/1.1") == 0, "signing string %s", buf);
  IngoBuf tiny = {buf, 5, 0};
  CHECK_CODE(ingo_signing_string("request-line", 12, &head, &tiny), INGO_E_BUFFER_TOO_SMALL);
  CHECK(tiny.len == 14 && buf[0] == 0, "needs %zu", tiny.len);
  CHECK_CODE(ingo_signing_string("request-line", 12, NULL, &out), INGO_E_NULL_POINTER);
  head.headers_len = 1; /* headers still NULL */
  CHECK_CODE(ingo_signing_string("request-line", 12, &head, &out), INGO_E_NULL_POINTER);
}

static void test_verify(IngoKey *key) {
  context = "verify";
  IngoSignRequest request = demo_request();
  Signed s;
  IngoRequestHead head = sign_into(key, &request, &s);
  IngoKey *keys[] = {key};
  IngoVerified who;
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW + 300, &who), INGO_OK);
  CHECK(strcmp(who.username, "demo") == 0 && who.username_len == 4, "username %s", who.username);
  CHECK(who.algorithm == INGO_HMAC_SHA512 && who.key_index == 0, "algorithm %d", who.algorithm);
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW + 301, NULL), INGO_E_VERIFY_DATE_SKEW);
  CHECK(ingo_error_http_status(INGO_E_VERIFY_DATE_SKEW) == 401, "skew is 401");
  char message[256];
  ingo_last_error_message(message, sizeof message);
  CHECK(strcmp(message, "x-date is 301 s older than now; the limit is 300 s (check the signer's clock)") == 0,
        "message %s", message);
  /* Truncated like snprintf, at a character boundary, returning the whole length. */
  char cut[8];
  CHECK(ingo_last_error_message(cut, sizeof cut) == strlen(message) && strcmp(cut, "x-date ") == 0,
        "cut %s", cut);
  CHECK(ingo_last_error_message(NULL, 0) == strlen(message), "count only");

  CHECK_CODE(ingo_verify(keys, 1, NULL, &head, BODY, 3, NOW, NULL),
             INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH);
  CHECK_CODE(verify_body(NULL, 1, NULL, &head, NOW, NULL), INGO_E_NULL_POINTER);
  CHECK_CODE(verify_body(NULL, 0, NULL, &head, NOW, NULL),
             INGO_E_VERIFY_UNKNOWN_USERNAME); /* an empty store knows nobody */
  IngoKey *with_null[] = {key, NULL};
  CHECK_CODE(verify_body(with_null, 2, NULL, &head, NOW, NULL), INGO_E_NULL_POINTER);
  CHECK_CODE(verify_body(keys, 1, NULL, NULL, NOW, NULL), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_verify(keys, 1, NULL, &head, NULL, sizeof BODY - 1, NOW, NULL),
             INGO_E_NULL_POINTER);

  /* Received bytes that are not UTF-8 are a verdict on the request, not an ABI error. */
  IngoRequestHead bad = head;
  bad.method = cstr("P\xc3");
  CHECK_CODE(verify_body(keys, 1, NULL, &bad, NOW, NULL), INGO_E_SIGNING_STRING_INVALID_METHOD);
  CHECK(ingo_error_http_status(INGO_E_SIGNING_STRING_INVALID_METHOD) == 400, "400");
  bad = head;
  bad.version = INGO_HTTP_2;
  CHECK_CODE(verify_body(keys, 1, NULL, &bad, NOW, NULL), INGO_E_VERIFY_SIGNATURE_MISMATCH);
  bad.version = 3;
  CHECK_CODE(verify_body(keys, 1, NULL, &bad, NOW, NULL), INGO_E_INVALID_ARGUMENT);

  /* Policy: required headers, legacy, limits. */
  IngoPolicy policy = ingo_policy_default();
  CHECK(policy.max_skew == INGO_DEFAULT_MAX_SKEW && policy.max_body == INGO_DEFAULT_MAX_BODY &&
            !policy.allow_legacy_sha256,
        "defaults");
  IngoStr host = INGO_LIT("host");
  policy.required_headers = &host;
  policy.required_headers_len = 1;
  CHECK_CODE(verify_body(keys, 1, &policy, &head, NOW, NULL),
             INGO_E_VERIFY_REQUIRED_HEADER_UNSIGNED);
  policy.required_headers_len = INGO_MAX_REQUIRED_HEADERS + 1;
  CHECK_CODE(verify_body(keys, 1, &policy, &head, NOW, NULL), INGO_E_INVALID_ARGUMENT);
  IngoStr not_utf8 = INGO_LIT("h\xffst");
  policy.required_headers = &not_utf8;
  policy.required_headers_len = 1;
  CHECK_CODE(verify_body(keys, 1, &policy, &head, NOW, NULL), INGO_E_INVALID_UTF8);
  policy = ingo_policy_default();
  policy.max_body = 36;
  CHECK_CODE(verify_body(keys, 1, &policy, &head, NOW, NULL), INGO_E_VERIFY_BODY_TOO_LARGE);
  CHECK(ingo_error_http_status(INGO_E_VERIFY_BODY_TOO_LARGE) == 413, "413");

  /* Legacy hmac-sha256, only under a policy that allows it. */
  request.algorithm = INGO_HMAC_SHA256;
  head = sign_into(key, &request, &s);
  CHECK(strcmp(s.out.digest_header, "Content-sha256") == 0, "%s", s.out.digest_header);
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW, NULL), INGO_E_VERIFY_ALGORITHM_NOT_ALLOWED);
  policy = ingo_policy_default();
  policy.allow_legacy_sha256 = 1;
  CHECK_CODE(verify_body(keys, 1, &policy, &head, NOW, &who), INGO_OK);
  CHECK(who.algorithm == INGO_HMAC_SHA256, "legacy algorithm %d", who.algorithm);
}

static void test_rotation(IngoKey *key) {
  context = "rotation";
  IngoKey *other = NULL, *old = NULL;
  CHECK_CODE(ingo_key_new("other", 5, "x", 1, &other), INGO_OK);
  CHECK_CODE(ingo_key_new("demo", 4, "old-secret", 10, &old), INGO_OK);
  Signed s;
  IngoRequestHead head = sign_demo(key, &s);
  IngoKey *keys[] = {other, old, key};
  IngoVerified who;
  CHECK_CODE(verify_body(keys, 3, NULL, &head, NOW, &who), INGO_OK);
  CHECK(who.key_index == 1, "the second key of demo: %zu", who.key_index);
  CHECK_CODE(verify_body(keys, 2, NULL, &head, NOW, &who),
             INGO_E_VERIFY_SIGNATURE_MISMATCH); /* rotated away */
  ingo_key_free(other);
  ingo_key_free(old);
}

static void test_pending(IngoKey *key) {
  context = "pending";
  Signed s;
  IngoRequestHead head = sign_demo(key, &s);
  IngoKey *keys[] = {key};
  IngoPending pending;
  memset(&pending, 0, sizeof pending);
  /* Nothing in progress yet. */
  CHECK_CODE(ingo_pending_update(&pending, BODY, 1), INGO_E_PENDING_STATE);
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_PENDING_STATE);
  CHECK_CODE(ingo_pending_update(NULL, BODY, 1), INGO_E_NULL_POINTER);
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, NULL), INGO_E_NULL_POINTER);

  /* Phase one: the head alone; phase two: the body, byte by byte. */
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  uint64_t declared = 0;
  CHECK_CODE(ingo_pending_content_length(&pending, &declared), INGO_OK);
  CHECK(declared == sizeof BODY - 1, "declared %" PRIu64, declared);
  char name[3];
  IngoBuf small = {name, sizeof name, 0};
  CHECK_CODE(ingo_pending_username(&pending, &small), INGO_E_BUFFER_TOO_SMALL);
  CHECK(small.len == 4 && name[0] == 0, "username needs %zu", small.len);
  CHECK_CODE(ingo_pending_update(&pending, BODY, 0), INGO_OK);
  CHECK_CODE(ingo_pending_update(&pending, NULL, 0), INGO_OK);
  CHECK_CODE(ingo_pending_update(&pending, NULL, 1), INGO_E_NULL_POINTER);
  for (size_t i = 0; i < sizeof BODY - 1; i++)
    CHECK_CODE(ingo_pending_update(&pending, BODY + i, 1), INGO_OK);
  IngoVerified who;
  CHECK_CODE(ingo_pending_finish(&pending, &who), INGO_OK);
  CHECK(strcmp(who.username, "demo") == 0, "username %s", who.username);
  CHECK_CODE(ingo_pending_finish(&pending, &who), INGO_E_PENDING_STATE);
  CHECK_CODE(ingo_pending_update(&pending, BODY, 1), INGO_E_PENDING_STATE);

  /* A body longer than declared fails at once, and the failure sticks. */
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  CHECK_CODE(ingo_pending_update(&pending, BODY, sizeof BODY - 1), INGO_OK);
  CHECK_CODE(ingo_pending_update(&pending, "x", 1), INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH);
  CHECK_CODE(ingo_pending_update(&pending, "", 0), INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH);
  CHECK_CODE(ingo_pending_finish(&pending, &who), INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH);

  /* A tampered body passes the head and fails at finish. */
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  char tampered[sizeof BODY];
  memcpy(tampered, BODY, sizeof BODY);
  tampered[27] = '9';
  CHECK_CODE(ingo_pending_update(&pending, tampered, sizeof BODY - 1), INGO_OK);
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_DIGEST_MISMATCH);

  /* A short body fails at finish. Discarding ends a verification; discarding twice is fine. */
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  CHECK_CODE(ingo_pending_update(&pending, BODY, 5), INGO_OK);
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH);
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  ingo_pending_discard(&pending);
  ingo_pending_discard(&pending);
  ingo_pending_discard(NULL);
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_PENDING_STATE);

  /* A head that fails leaves nothing in progress, even over a live one. */
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, &pending), INGO_OK);
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW + 1000, &pending),
             INGO_E_VERIFY_DATE_SKEW);
  CHECK_CODE(ingo_pending_update(&pending, BODY, 1), INGO_E_PENDING_STATE);

  /* Caller storage on the heap works as well as on the stack. */
  IngoPending *heap = malloc(sizeof *heap);
  CHECK(heap != NULL, "malloc");
  if (heap) {
    CHECK_CODE(ingo_verify_head(keys, 1, NULL, &head, NOW, heap), INGO_OK);
    CHECK_CODE(ingo_pending_update(heap, BODY, sizeof BODY - 1), INGO_OK);
    CHECK_CODE(ingo_pending_finish(heap, NULL), INGO_OK);
    free(heap);
  }
}

static void test_payload(void) {
  context = "payload";
  static const char body[] =
      "{\"participant_unique_id1\": \"p-1\", \"recipient_information\": "
      "{\"business_name\": \"Acme\", \"zip_code\": \"3723\", \"state\": \"XX\"}}";
  char lines[512];
  IngoBuf out = {lines, sizeof lines, 0};
  size_t violations = 0;
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_SESSION_CREATE, 0, body, sizeof body - 1, &out,
                                   &violations),
             INGO_E_PAYLOAD_INVALID);
  CHECK(violations == 2, "violations %zu", violations);
  CHECK(out.len == strlen(lines), "len %zu", out.len);
  CHECK(strstr(lines, "recipient_information.zip_code: \"3723\" must be 5 digits or 5+4 digits\n") !=
            NULL,
        "lines:\n%s", lines);
  /* Too small: whole lines only, len still the length of them all. */
  size_t full = out.len;
  const char *first_end = strchr(lines, '\n');
  size_t first = first_end ? (size_t)(first_end - lines) + 1 : 0;
  IngoBuf small = {lines, first + 2, 0};
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_SESSION_CREATE, 0, body, sizeof body - 1, &small,
                                   NULL),
             INGO_E_PAYLOAD_INVALID);
  CHECK(small.len == full && strlen(lines) == first && lines[first - 1] == '\n',
        "kept %zu of %zu: %s", strlen(lines), full, lines);
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_SESSION_CREATE, 0, body, sizeof body - 1, NULL,
                                   NULL),
             INGO_E_PAYLOAD_INVALID);

  static const char good[] =
      "{\"participant_unique_id1\": \"p-1\", \"recipient_information\": "
      "{\"business_name\": \"Acme\", \"zip_code\": \"37233-0001\"}}";
  out.len = 99;
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_SESSION_CREATE, 0, good, sizeof good - 1, &out,
                                   &violations),
             INGO_OK);
  CHECK(out.len == 0 && lines[0] == 0 && violations == 0, "no lines");
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_SESSION_CREATE, INGO_PAYLOAD_PAYPAL_ENABLED, good,
                                   sizeof good - 1, NULL, &violations),
             INGO_E_PAYLOAD_INVALID); /* PayPal-enabled requires the e-mail address */

  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_PUSH_TO_CARD, 0, "[1]", 3, &out, &violations),
             INGO_E_JSON_NOT_AN_OBJECT);
  CHECK(violations == 0 && strchr(lines, '\n') != NULL, "json line: %s", lines);
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_PUSH_TO_CARD, 0, "{\"a\":", 5, NULL, NULL),
             INGO_E_JSON_UNEXPECTED_END);
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_PUSH_TO_CARD, 0, "", 0, NULL, NULL),
             INGO_E_JSON_EMPTY);
  CHECK_CODE(ingo_payload_validate(0, 0, good, sizeof good - 1, NULL, NULL),
             INGO_E_INVALID_ARGUMENT);
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_PUSH_TO_CARD, 16, good, sizeof good - 1, NULL,
                                   NULL),
             INGO_E_INVALID_ARGUMENT);
  CHECK_CODE(ingo_payload_validate(INGO_ENDPOINT_PUSH_TO_CARD, 0, NULL, 4, NULL, NULL),
             INGO_E_NULL_POINTER);

  CHECK_CODE(ingo_idempotency_key_validate("2b1d1f3e-9c4e-4c1a-8f1e-6a9f0b7c5d21", 36), INGO_OK);
  CHECK_CODE(ingo_idempotency_key_validate("", 0), INGO_E_IDEMPOTENCY_KEY_EMPTY);
  CHECK_CODE(ingo_idempotency_key_validate(" k", 2), INGO_E_IDEMPOTENCY_KEY_SURROUNDING_WHITESPACE);
  CHECK_CODE(ingo_idempotency_key_validate("k\t", 2), INGO_E_IDEMPOTENCY_KEY_INVALID_CHARACTER);
}

static void test_errors(void) {
  context = "errors";
  CHECK(ingo_abi_version() == INGO_ABI_VERSION, "abi %u", ingo_abi_version());
  CHECK(strcmp(ingo_version(), "0.1.0") == 0, "version %s", ingo_version());
  CHECK(strcmp(ingo_error_kind(INGO_OK), "ok") == 0, "ok");
  CHECK(strcmp(ingo_error_kind(INGO_E_BUFFER_TOO_SMALL), "ffi.buffer_too_small") == 0, "kind");
  CHECK(strcmp(ingo_error_kind(INGO_E_DIGEST_MISMATCH), "digest.mismatch") == 0, "kind");
  CHECK(strcmp(ingo_error_kind(424242), "unknown") == 0, "unknown kind");
  CHECK(strcmp(ingo_error_message(424242), "unknown error code") == 0, "unknown message");
  CHECK(strlen(ingo_error_message(INGO_E_VERIFY_SIGNATURE_MISMATCH)) > 10, "message");
  CHECK(ingo_error_http_status(INGO_OK) == 0 && ingo_error_http_status(INGO_E_NULL_POINTER) == 0 &&
            ingo_error_http_status(INGO_E_DIGEST_MISMATCH) == 401 &&
            ingo_error_http_status(INGO_E_DIGEST_MALFORMED) == 400 &&
            ingo_error_http_status(INGO_E_JSON_TOO_LARGE) == 413 &&
            ingo_error_http_status(INGO_E_VERIFY_REPLAYED) == 401 &&
            ingo_error_http_status(INGO_E_VERIFY_REPLAY_UNAVAILABLE) == 503,
        "statuses");
  /* Every code from 0 to 11000 that has a kind has a message, and unknown ones say so. */
  int known = 0;
  for (int32_t code = 0; code <= 11000; code++) {
    const char *kind = ingo_error_kind(code);
    const char *message = ingo_error_message(code);
    if (strcmp(kind, "unknown") != 0) {
      known++;
      CHECK(strcmp(message, "unknown error code") != 0, "%d has a message", code);
    }
  }
  CHECK(known == 84, "%d codes", known);
  /* What a client is told: an unknown username is a signature mismatch; the rest is itself. */
  CHECK(ingo_error_for_client(INGO_E_VERIFY_UNKNOWN_USERNAME) == INGO_E_VERIFY_SIGNATURE_MISMATCH,
        "unknown username for the client");
  CHECK(ingo_error_for_client(INGO_E_VERIFY_SIGNATURE_MISMATCH) == INGO_E_VERIFY_SIGNATURE_MISMATCH &&
            ingo_error_for_client(INGO_E_DIGEST_MISMATCH) == INGO_E_DIGEST_MISMATCH &&
            ingo_error_for_client(INGO_OK) == INGO_OK && ingo_error_for_client(424242) == 424242,
        "everything else is itself");
}

/* A freed handle is refused, never taken for the key that is made after it (the review saw the
 * freed address come back from malloc and verify with the new key). Runs under ASan too: the
 * library never reads through a handle, so a stale one is no use-after-free either. */
static void test_handles(void) {
  context = "handles";
  IngoKey *stale = NULL;
  CHECK_CODE(ingo_key_new("alice", 5, "alice-secret", 12, &stale), INGO_OK);
  IngoSignRequest request = demo_request();
  Signed s;
  IngoRequestHead head = sign_into(stale, &request, &s);
  IngoKey *keys[] = {stale};
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW, NULL), INGO_OK);
  ingo_key_free(stale);
  IngoKey *fresh[8];
  for (size_t i = 0; i < 8; i++) {
    fresh[i] = NULL;
    CHECK_CODE(ingo_key_new("mallory", 7, "mallory-secret", 14, &fresh[i]), INGO_OK);
    CHECK(fresh[i] != stale, "a handle value is never given out again");
  }
  signed_init(&s);
  CHECK_CODE(ingo_sign(stale, &request, NOW, &s.out), INGO_E_INVALID_HANDLE);
  CHECK(strcmp(ingo_error_kind(INGO_E_INVALID_HANDLE), "ffi.invalid_handle") == 0, "kind");
  CHECK(ingo_error_http_status(INGO_E_INVALID_HANDLE) == 0, "not a verdict on a request");
  char message[256];
  ingo_last_error_message(message, sizeof message);
  CHECK(strstr(message, "not a live key handle") != NULL, "message %s", message);
  /* A request mallory signs is not verified through alice's stale handle, nor is alice's. */
  Signed m;
  IngoRequestHead by_mallory = sign_into(fresh[0], &request, &m);
  CHECK_CODE(verify_body(keys, 1, NULL, &by_mallory, NOW, NULL), INGO_E_INVALID_HANDLE);
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW, NULL), INGO_E_INVALID_HANDLE);
  IngoKey *mixed[] = {fresh[0], stale};
  CHECK_CODE(verify_body(mixed, 2, NULL, &by_mallory, NOW, NULL), INGO_E_INVALID_HANDLE);
  IngoPending pending;
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &by_mallory, NOW, &pending), INGO_E_INVALID_HANDLE);
  /* A forged handle (a pointer to something else) is refused the same way, and freeing it or
   * the stale handle again does nothing. */
  int not_a_key = 0;
  IngoKey *forged = (IngoKey *)&not_a_key;
  signed_init(&s);
  CHECK_CODE(ingo_sign(forged, &request, NOW, &s.out), INGO_E_INVALID_HANDLE);
  ingo_key_free(forged);
  ingo_key_free(stale);
  for (size_t i = 0; i < 8; i++) {
    IngoKey *one[] = {fresh[i]};
    CHECK_CODE(verify_body(one, 1, NULL, &by_mallory, NOW, NULL), INGO_OK);
    ingo_key_free(fresh[i]);
  }
}

/* Refusals beyond SPEC section 5 (issue 13), through the C ABI, as a C gateway meets them. */
static void test_refusals(IngoKey *key) {
  context = "refusals";
  IngoSignRequest request = demo_request();
  Signed s;
  IngoRequestHead head = sign_into(key, &request, &s);
  IngoKey *keys[] = {key};
  /* Transfer-Encoding with a signed Content-Length: refused, one-shot and head first. */
  s.headers[5].name = cstr("Transfer-Encoding");
  s.headers[5].value = cstr("chunked");
  IngoRequestHead chunked = head;
  chunked.headers_len = 6;
  CHECK_CODE(verify_body(keys, 1, NULL, &chunked, NOW, NULL), INGO_E_VERIFY_TRANSFER_ENCODING);
  CHECK(ingo_error_http_status(INGO_E_VERIFY_TRANSFER_ENCODING) == 400, "400");
  IngoPending pending;
  CHECK_CODE(ingo_verify_head(keys, 1, NULL, &chunked, NOW, &pending),
             INGO_E_VERIFY_TRANSFER_ENCODING);
  CHECK_CODE(ingo_pending_finish(&pending, NULL), INGO_E_PENDING_STATE);
  /* A fragment after the signed target, and a signer asked to sign one. */
  IngoRequestHead fragment = head;
  fragment.target = cstr("/api/v1/sessions/point-in-time/plugin#x");
  CHECK_CODE(verify_body(keys, 1, NULL, &fragment, NOW, NULL),
             INGO_E_SIGNING_STRING_TARGET_FRAGMENT);
  CHECK(ingo_error_http_status(INGO_E_SIGNING_STRING_TARGET_FRAGMENT) == 400, "400");
  IngoSignRequest with_fragment = request;
  with_fragment.target = fragment.target;
  signed_init(&s);
  CHECK_CODE(ingo_sign(key, &with_fragment, NOW, &s.out), INGO_E_SIGNING_STRING_TARGET_FRAGMENT);
  /* An unknown username: its own code for the log, a mismatch for the client. */
  IngoKey *stranger = NULL;
  CHECK_CODE(ingo_key_new("stranger", 8, SECRET, sizeof SECRET - 1, &stranger), INGO_OK);
  head = sign_into(stranger, &request, &s);
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW, NULL), INGO_E_VERIFY_UNKNOWN_USERNAME);
  char logged[512], told[512], mismatch[512];
  ingo_last_error_message(logged, sizeof logged);
  ingo_last_error_client_message(told, sizeof told);
  CHECK(strstr(logged, "username is not known") != NULL, "log: %s", logged);
  IngoKey *wrong = NULL;
  CHECK_CODE(ingo_key_new("demo", 4, "wrong", 5, &wrong), INGO_OK);
  head = sign_into(wrong, &request, &s);
  CHECK_CODE(verify_body(keys, 1, NULL, &head, NOW, NULL), INGO_E_VERIFY_SIGNATURE_MISMATCH);
  ingo_last_error_client_message(mismatch, sizeof mismatch);
  CHECK(strcmp(told, mismatch) == 0, "told %s, mismatch %s", told, mismatch);
  ingo_key_free(stranger);
  ingo_key_free(wrong);
}

int main(void) {
  run_vectors();
  IngoKey *key = NULL;
  context = "setup";
  CHECK_CODE(ingo_key_new("demo", 4, SECRET, sizeof SECRET - 1, &key), INGO_OK);
  if (key) {
    test_keys();
    test_sign_buffers(key);
    test_sign_malformed(key);
    test_verify(key);
    test_rotation(key);
    test_pending(key);
    test_payload();
    test_errors();
    test_handles();
    test_refusals(key);
    ingo_key_free(key);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
