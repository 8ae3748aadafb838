/* agent-outputs.c - extra alert outputs of `mamori agent`: syslog and a
 * Falcosidekick-compatible webhook.
 *
 *   --syslog                    RFC 5424 lines to the local /dev/log
 *   --syslog-server HOST:PORT   ... over UDP instead (or an absolute path:
 *                               a Unix datagram socket)
 *   --syslog-facility NAME      user (default), daemon, local0..local7, ...
 *   --webhook URL               POST every alert (Falco's JSON + "uuid")
 *   --webhook-header 'K: V'     extra request header (repeatable)
 *   --min-priority P            only alerts at or above P go to these outputs
 *
 * Every alert (rule match or module alert) reaches the `alert` hook. Syslog
 * datagrams are sent at once without blocking (a full socket buffer counts
 * as a drop). Webhook posts go through a bounded queue to one sender thread
 * (libcurl, TLS verification on, http/https only, no redirects), retried
 * with backoff on connection errors, 429 and 5xx; a full queue drops the
 * alert and counts it, so a slow or dead endpoint never stalls the event
 * loop. Header values are never logged. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/core-http.h"
#include "core/core-log.h"
#include "mmr-config.h"
#include "runtime/runtime-alertout.h"
#include "runtime/runtime-rules.h"
#include "src/agent.h"
#include "src/cli.h"

#define WEBHOOK_QUEUE 1024
#define WEBHOOK_RETRIES 3
#define WEBHOOK_MAX_HEADERS 32
#define STOP_GRACE_MS 2000
#define SYSLOG_MAX 8192


/* Severity 0 (Emergency) .. 7 (Debug) of a Falco priority name, -1 unknown. */
static int prio(const char *s)
{
	enum mmr_rt_priority p;
	return s && mmr_rt_priority_parse(s, &p) == 0 ? (int)p : -1;
}

static struct {
	/* options */
	bool syslog_local;
	const char *syslog_server;
	int facility;
	const char *webhook;
	const char *headers[WEBHOOK_MAX_HEADERS];
	int nheaders;
	int min_sev; /* 7: everything */
	/* syslog */
	int sock;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	uint64_t sys_sent, sys_failed, sys_dropped, filtered;
	/* webhook */
	bool thread_started;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *queue[WEBHOOK_QUEUE];
	size_t qhead, qlen;
	bool stopping;
	struct timespec stop_deadline;
	uint64_t wh_sent, wh_failed, wh_dropped, wh_retries; /* under mu */
	atomic_bool abort_transfer;
} o = { .facility = 1, .min_sev = 7, .sock = -1, .mu = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER };

static const char usage[] =
	"\n      Syslog and webhook outputs:\n"
	"      --syslog           also send alerts as RFC 5424 syslog lines to /dev/log\n"
	"      --syslog-server HOST:PORT  ... over UDP to HOST:PORT (or /PATH: a Unix\n"
	"                         datagram socket) instead of /dev/log\n"
	"      --syslog-facility F  syslog facility (user, daemon, local0..local7; default user)\n"
	"      --webhook URL      POST each alert as Falco JSON with a \"uuid\" (what\n"
	"                         Falcosidekick accepts) from a queue; a dead endpoint\n"
	"                         drops alerts (counted), never stalls the agent\n"
	"      --webhook-header 'K: V'  extra webhook request header (repeatable)\n"
	"      --min-priority P   only alerts at or above P go to syslog/webhook\n";

static int option(int argc, char **argv, int *i, const char *cmd)
{
	const char *a = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(a, "--syslog") == 0) {
		o.syslog_local = true;
		return 1;
	}
	if (strcmp(a, "--syslog-server") == 0 && val) {
		char host[256];
		uint16_t port;
		if (val[0] != '/' && mmr_rt_hostport_parse(val, host, sizeof(host), &port) < 0) {
			mmr_cli_usage_error(cmd, "bad --syslog-server '%s' (HOST:PORT, [IPV6]:PORT or /PATH)", val);
			return -1;
		}
		o.syslog_server = val;
		(*i)++;
		return 1;
	}
	if (strcmp(a, "--syslog-facility") == 0 && val) {
		o.facility = mmr_rt_syslog_facility_from_name(val);
		if (o.facility < 0) {
			mmr_cli_usage_error(cmd, "unknown --syslog-facility '%s'", val);
			return -1;
		}
		(*i)++;
		return 1;
	}
	if (strcmp(a, "--webhook") == 0 && val) {
		if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
			char red[1024];
			mmr_cli_usage_error(cmd, "--webhook needs an http:// or https:// URL, not '%s'",
					    mmr_http_redact_url(val, red, sizeof(red)));
			return -1;
		}
		o.webhook = val;
		(*i)++;
		return 1;
	}
	if (strcmp(a, "--webhook-header") == 0 && val) {
		if (mmr_rt_http_header_check(val, strlen(val)) < 0) {
			/* the value may be a secret: name only what precedes the colon */
			char name[64];
			size_t nl = strcspn(val, ":");
			snprintf(name, sizeof(name), "%.*s", (int)(nl < 40 ? nl : 40), val);
			mmr_cli_usage_error(cmd, "bad --webhook-header '%s: ...' (want 'Name: value', no line breaks)",
					    name);
			return -1;
		}
		if (o.nheaders >= WEBHOOK_MAX_HEADERS) {
			mmr_cli_usage_error(cmd, "too many --webhook-header options (max 32)%s", "");
			return -1;
		}
		o.headers[o.nheaders++] = val;
		(*i)++;
		return 1;
	}
	if (strcmp(a, "--min-priority") == 0 && val) {
		o.min_sev = prio(val);
		if (o.min_sev < 0) {
			mmr_cli_usage_error(cmd, "unknown --min-priority '%s' (Emergency, Alert, Critical, Error, "
					    "Warning, Notice, Informational, Debug)", val);
			return -1;
		}
		(*i)++;
		return 1;
	}
	return 0;
}

/* ---- syslog ------------------------------------------------------------ */

static int syslog_open(void)
{
	const char *target = o.syslog_server ? o.syslog_server : "/dev/log";
	if (target[0] == '/') {
		struct sockaddr_un un = { .sun_family = AF_UNIX };
		if (strlen(target) >= sizeof(un.sun_path)) {
			fprintf(stderr, "mamori agent: syslog socket path too long: %s\n", target);
			return -1;
		}
		memcpy(un.sun_path, target, strlen(target) + 1);
		o.sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		memcpy(&o.addr, &un, sizeof(un));
		o.addrlen = sizeof(un);
	} else {
		char host[256], port[8];
		uint16_t p;
		if (mmr_rt_hostport_parse(target, host, sizeof(host), &p) < 0)
			return -1;
		snprintf(port, sizeof(port), "%u", (unsigned)p);
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
		int rc = getaddrinfo(host, port, &hints, &res);
		if (rc != 0 || !res) {
			fprintf(stderr, "mamori agent: --syslog-server %s: %s\n", target, gai_strerror(rc));
			return -1;
		}
		o.sock = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		memcpy(&o.addr, res->ai_addr, res->ai_addrlen);
		o.addrlen = res->ai_addrlen;
		freeaddrinfo(res);
	}
	if (o.sock < 0) {
		fprintf(stderr, "mamori agent: syslog socket: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void syslog_send(int sev, const char *time, const char *host, const char *msg)
{
	char line[SYSLOG_MAX];
	size_t n = mmr_rt_syslog_format(line, sizeof(line), o.facility, sev, time, host, (long)getpid(), msg);
	ssize_t w = sendto(o.sock, line, n, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&o.addr, o.addrlen);
	if (w == (ssize_t)n) {
		o.sys_sent++;
	} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
		o.sys_dropped++;
	} else {
		if (o.sys_failed++ == 0)
			mmr_warn("syslog: sending to %s: %s", o.syslog_server ? o.syslog_server : "/dev/log",
				 w < 0 ? strerror(errno) : "short write");
	}
}

/* ---- webhook ----------------------------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static int progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)ud, (void)dt, (void)dn, (void)ut, (void)un;
	return atomic_load(&o.abort_transfer) ? 1 : 0;
}

static bool past_deadline(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > o.stop_deadline.tv_sec ||
	       (now.tv_sec == o.stop_deadline.tv_sec && now.tv_nsec >= o.stop_deadline.tv_nsec);
}

/* Sleep ms, waking early when the agent stops past its grace period. */
static void backoff(unsigned ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o.mu);
	while (!atomic_load(&o.abort_transfer) && pthread_cond_timedwait(&o.cv, &o.mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&o.mu);
}

static void *sender(void *ud)
{
	(void)ud;
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	hl = curl_slist_append(hl, "Content-Type: application/json");
	hl = curl_slist_append(hl, "User-Agent: mamori/" MMR_VERSION);
	for (int i = 0; i < o.nheaders; i++)
		hl = curl_slist_append(hl, o.headers[i]);
	char errbuf[CURL_ERROR_SIZE];
	char red[1024];
	mmr_http_redact_url(o.webhook, red, sizeof(red));
	if (c) {
		curl_easy_setopt(c, CURLOPT_URL, o.webhook);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	}
	uint64_t failures = 0;
	for (;;) {
		pthread_mutex_lock(&o.mu);
		while (!o.qlen && !o.stopping)
			pthread_cond_wait(&o.cv, &o.mu);
		if (!o.qlen || (o.stopping && atomic_load(&o.abort_transfer))) {
			/* stopping: what is still queued is dropped */
			o.wh_dropped += o.qlen;
			while (o.qlen) {
				free(o.queue[o.qhead]);
				o.qhead = (o.qhead + 1) % WEBHOOK_QUEUE;
				o.qlen--;
			}
			pthread_mutex_unlock(&o.mu);
			break;
		}
		char *body = o.queue[o.qhead];
		o.qhead = (o.qhead + 1) % WEBHOOK_QUEUE;
		o.qlen--;
		pthread_mutex_unlock(&o.mu);

		bool ok = false;
		unsigned wait_ms = 250, retries = 0;
		long status = 0;
		CURLcode cr = CURLE_FAILED_INIT;
		for (unsigned attempt = 0; c && attempt <= WEBHOOK_RETRIES; attempt++) {
			if (attempt) {
				if (atomic_load(&o.abort_transfer))
					break;
				retries++;
				backoff(wait_ms);
				wait_ms *= 2;
			}
			errbuf[0] = 0;
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
			cr = curl_easy_perform(c);
			status = 0;
			if (cr == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
			if (cr == CURLE_OK && status >= 200 && status < 300) {
				ok = true;
				break;
			}
			/* a client error will not get better by trying again */
			if (cr == CURLE_OK && status >= 400 && status < 500 && status != 429 && status != 408)
				break;
			if (cr == CURLE_ABORTED_BY_CALLBACK)
				break;
		}
		free(body);
		pthread_mutex_lock(&o.mu);
		o.wh_retries += retries;
		if (ok)
			o.wh_sent++;
		else
			o.wh_failed++;
		pthread_mutex_unlock(&o.mu);
		if (!ok && (failures++ % 100) == 0) {
			if (cr == CURLE_OK)
				mmr_warn("webhook %s: HTTP status %ld (%llu failed so far)", red, status,
					 (unsigned long long)failures);
			else
				mmr_warn("webhook %s: %s (%llu failed so far)", red,
					 errbuf[0] ? errbuf : curl_easy_strerror(cr), (unsigned long long)failures);
		}
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return NULL;
}

static void webhook_enqueue(json_t *alert)
{
	char uuid[37];
	if (mmr_rt_uuid4(uuid) == 0)
		json_object_set_new(alert, "uuid", json_string(uuid));
	char *body = json_dumps(alert, JSON_COMPACT);
	pthread_mutex_lock(&o.mu);
	if (!body || o.qlen >= WEBHOOK_QUEUE || o.stopping) {
		o.wh_dropped++;
		pthread_mutex_unlock(&o.mu);
		free(body);
		return;
	}
	o.queue[(o.qhead + o.qlen) % WEBHOOK_QUEUE] = body;
	o.qlen++;
	pthread_cond_signal(&o.cv);
	pthread_mutex_unlock(&o.mu);
}

/* ---- hooks ------------------------------------------------------------- */

static int start(struct mmr_agent *ag)
{
	(void)ag;
	if ((o.syslog_local || o.syslog_server) && syslog_open() < 0)
		return -1;
	if (o.webhook) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			fprintf(stderr, "mamori agent: --webhook: cannot initialise libcurl\n");
			return -1;
		}
		int rc = pthread_create(&o.thread, NULL, sender, NULL);
		if (rc != 0) {
			fprintf(stderr, "mamori agent: --webhook: %s\n", strerror(rc));
			return -1;
		}
		o.thread_started = true;
		char red[1024];
		fprintf(stderr, "mamori agent: webhook %s (%d extra headers)\n",
			mmr_http_redact_url(o.webhook, red, sizeof(red)), o.nheaders);
	}
	if (o.sock >= 0)
		fprintf(stderr, "mamori agent: syslog to %s (facility %d)\n",
			o.syslog_server ? o.syslog_server : "/dev/log", o.facility);
	return 0;
}

static void alert(struct mmr_agent *ag, const struct mmr_rt_rule *rule, const struct mmr_rt_event *ev,
		  const char *json)
{
	(void)ag, (void)rule, (void)ev;
	if (o.sock < 0 && !o.thread_started)
		return;
	json_t *j = json_loads(json, 0, NULL);
	if (!j)
		return;
	int sev = prio(json_string_value(json_object_get(j, "priority")));
	if (sev < 0)
		sev = 5;
	if (sev > o.min_sev) {
		o.filtered++;
		json_decref(j);
		return;
	}
	if (o.sock >= 0) {
		const char *out = json_string_value(json_object_get(j, "output"));
		syslog_send(sev, json_string_value(json_object_get(j, "time")),
			    json_string_value(json_object_get(j, "hostname")), out ? out : "");
	}
	if (o.thread_started)
		webhook_enqueue(j);
	json_decref(j);
}

static void stats(struct mmr_agent *ag, json_t *obj)
{
	(void)ag;
	if (o.sock < 0 && !o.webhook)
		return;
	json_t *out = json_object();
	if (o.sock >= 0) {
		json_t *s = json_object();
		json_object_set_new(s, "sent", json_integer((json_int_t)o.sys_sent));
		json_object_set_new(s, "failed", json_integer((json_int_t)o.sys_failed));
		json_object_set_new(s, "dropped", json_integer((json_int_t)o.sys_dropped));
		json_object_set_new(out, "syslog", s);
	}
	if (o.webhook) {
		json_t *w = json_object();
		pthread_mutex_lock(&o.mu);
		json_object_set_new(w, "sent", json_integer((json_int_t)o.wh_sent));
		json_object_set_new(w, "failed", json_integer((json_int_t)o.wh_failed));
		json_object_set_new(w, "dropped", json_integer((json_int_t)o.wh_dropped));
		json_object_set_new(w, "retries", json_integer((json_int_t)o.wh_retries));
		json_object_set_new(w, "queued", json_integer((json_int_t)o.qlen));
		pthread_mutex_unlock(&o.mu);
		json_object_set_new(out, "webhook", w);
	}
	json_object_set_new(out, "filtered", json_integer((json_int_t)o.filtered));
	json_object_set_new(obj, "outputs", out);
}

/* Deliver what is queued (at most STOP_GRACE_MS), then end the sender;
 * what is left is dropped and counted. Idempotent. */
static void finish(struct mmr_agent *ag)
{
	(void)ag;
	if (!o.thread_started)
		return;
	pthread_mutex_lock(&o.mu);
	o.stopping = true;
	clock_gettime(CLOCK_MONOTONIC, &o.stop_deadline);
	o.stop_deadline.tv_sec += STOP_GRACE_MS / 1000;
	pthread_cond_broadcast(&o.cv);
	pthread_mutex_unlock(&o.mu);
	for (;;) {
		pthread_mutex_lock(&o.mu);
		size_t left = o.qlen;
		pthread_mutex_unlock(&o.mu);
		if (!left || past_deadline())
			break;
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	atomic_store(&o.abort_transfer, true);
	pthread_mutex_lock(&o.mu);
	pthread_cond_broadcast(&o.cv);
	pthread_mutex_unlock(&o.mu);
	pthread_join(o.thread, NULL);
	o.thread_started = false;
	fprintf(stderr, "mamori agent: webhook: %llu sent, %llu failed, %llu dropped\n",
		(unsigned long long)o.wh_sent, (unsigned long long)o.wh_failed,
		(unsigned long long)o.wh_dropped);
}

static void stop(struct mmr_agent *ag)
{
	bool curl = o.webhook && (o.thread_started || o.stopping);
	finish(ag);
	if (curl)
		curl_global_cleanup();
	if (o.sock >= 0) {
		fprintf(stderr, "mamori agent: syslog: %llu sent, %llu failed, %llu dropped\n",
			(unsigned long long)o.sys_sent, (unsigned long long)o.sys_failed,
			(unsigned long long)o.sys_dropped);
		close(o.sock);
		o.sock = -1;
	}
}

const struct mmr_agent_module mmr_agent_mod_outputs = {
	.name = "outputs",
	.usage = usage,
	.option = option,
	.start = start,
	.alert = alert,
	.finish = finish,
	.stats = stats,
	.stop = stop,
};
