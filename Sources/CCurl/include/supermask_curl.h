#ifndef SUPERMASK_CURL_H
#define SUPERMASK_CURL_H

#include <stddef.h>

/// One HTTP(S) GET with libcurl's easy interface (Debian: libcurl4-openssl-dev), which waits for the network in
/// poll(2): no thread spins while a slow server sends nothing. Redirects are followed (at most 10, http and https
/// only); no content encoding is asked for; the transfer fails when fewer than 1 byte a second arrives for
/// `idle_seconds` seconds, or when connecting takes that long.
typedef struct {
    const char *url;
    /// "N-" to ask for the bytes from N on (a Range request), or NULL for the whole file.
    const char *range;
    long idle_seconds;
    /// Passed to the callbacks.
    void *context;
    /// Called with each header line of each response (redirects included), its CR LF kept. Return 0 to abort.
    int (*on_header)(void *context, const char *line, size_t length);
    /// Called with body bytes of the final response; `status` is its HTTP status. Return 0 to abort.
    int (*on_body)(void *context, long status, const char *data, size_t length);
} sm_curl_request;

/// How a transfer ended.
typedef struct {
    /// libcurl's CURLcode: 0 when the whole body arrived.
    int code;
    /// The final response's HTTP status, 0 when no response arrived.
    long status;
    /// Whether `code` says the request never got an answer (the host could not be resolved or connected to).
    int unreachable;
    /// Whether a callback aborted the transfer.
    int aborted;
    /// libcurl's description of the failure.
    char message[256];
} sm_curl_result;

/// Runs the request to its end on the calling thread.
void sm_curl_get(const sm_curl_request *request, sm_curl_result *result);

#endif
