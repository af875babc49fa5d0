#include "supermask_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t global_init_once = PTHREAD_ONCE_INIT;

static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    const sm_curl_request *request;
    CURL *curl;
    int aborted;
} transfer_state;

static size_t header_callback(char *buffer, size_t size, size_t count, void *user) {
    transfer_state *state = user;
    size_t length = size * count;
    if (!state->request->on_header(state->request->context, buffer, length)) {
        state->aborted = 1;
        return 0;
    }
    return length;
}

static size_t body_callback(char *buffer, size_t size, size_t count, void *user) {
    transfer_state *state = user;
    size_t length = size * count;
    long status = 0;
    curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
    if (!state->request->on_body(state->request->context, status, buffer, length)) {
        state->aborted = 1;
        return 0;
    }
    return length;
}

void sm_curl_get(const sm_curl_request *request, sm_curl_result *result) {
    memset(result, 0, sizeof *result);
    pthread_once(&global_init_once, global_init);
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        result->code = CURLE_FAILED_INIT;
        snprintf(result->message, sizeof result->message, "cannot start libcurl");
        return;
    }
    transfer_state state = {request, curl, 0};
    char error[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = curl_slist_append(NULL, "Accept-Encoding: identity");
    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "supermask");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request->idle_seconds);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request->idle_seconds);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_callback);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_callback);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    if (request->range != NULL) curl_easy_setopt(curl, CURLOPT_RANGE, request->range);

    CURLcode code = curl_easy_perform(curl);
    result->code = (int)code;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->status);
    result->aborted = state.aborted;
    result->unreachable = code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY
        || code == CURLE_COULDNT_CONNECT || (code == CURLE_OPERATION_TIMEDOUT && result->status == 0);
    snprintf(result->message, sizeof result->message, "%s", error[0] != '\0' ? error : curl_easy_strerror(code));
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
}
