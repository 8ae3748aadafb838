/* test-runtime-netmap.c - network map from hand-built connect/accept events:
 * workload pairs joined through their addresses, externals, DNS names,
 * counts, first/last seen, JSON and DOT, limits. */
#include "test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/core-buf.h"
#include "core/core-error.h"
#include "runtime/runtime-netmap.h"

static struct mmr_rt_container web, db;
static struct mmr_rt_proc pweb, pdb, phost;

static void set4(struct mmr_rt_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->ip[10] = a->ip[11] = 0xff;
	assert_int_equal(inet_pton(AF_INET, ip, a->ip + 12), 1);
}

static void mkev(struct mmr_rt_event *e, unsigned type, const struct mmr_rt_proc *p,
		 const struct mmr_rt_container *c, const char *cip, unsigned cport, const char *sip,
		 unsigned sport, uint64_t ts)
{
	mmr_rt_event_init(e);
	e->type = (uint16_t)type;
	e->ts = ts;
	e->res = 3;
	e->proc = p;
	e->container = c;
	e->fd.num = 3;
	e->fd.typechar = MMR_RT_FD_IPV4;
	e->fd.l4proto = MMR_RT_L4_TCP;
	set4(&e->fd.cip, cip);
	set4(&e->fd.sip, sip);
	e->fd.cport = (uint16_t)cport;
	e->fd.sport = (uint16_t)sport;
}

static int setup(void **state)
{
	(void)state;
	mmr_rt_strlcpy(web.id, "aaaaaaaaaaaa1111", sizeof(web.id));
	mmr_rt_strlcpy(web.name, "web", sizeof(web.name));
	mmr_rt_strlcpy(db.id, "bbbbbbbbbbbb2222", sizeof(db.id));
	mmr_rt_strlcpy(db.image, "docker.io/library/postgres:16", sizeof(db.image));
	mmr_rt_strlcpy(pweb.exepath, "/usr/sbin/nginx", sizeof(pweb.exepath));
	mmr_rt_strlcpy(pdb.exepath, "/usr/bin/postgres", sizeof(pdb.exepath));
	mmr_rt_strlcpy(phost.exepath, "/usr/bin/curl", sizeof(phost.exepath));
	return 0;
}

static json_t *edge(json_t *root, const char *from, const char *to)
{
	json_t *edges = json_object_get(root, "edges"), *e;
	size_t i;
	json_array_foreach(edges, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "from")), from) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "to")), to) == 0)
			return e;
	}
	return NULL;
}

static const char *node_kind(json_t *root, const char *id)
{
	json_t *n;
	size_t i;
	json_array_foreach(json_object_get(root, "nodes"), i, n)
	{
		if (strcmp(json_string_value(json_object_get(n, "id")), id) == 0)
			return json_string_value(json_object_get(n, "kind"));
	}
	return NULL;
}

static void test_pairs_and_externals(void **state)
{
	(void)state;
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(0);
	assert_non_null(m);
	struct mmr_rt_event e;
	/* web -> db:5432 three times, seen from both ends (connect and accept) */
	for (unsigned i = 0; i < 3; i++) {
		mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 40000 + i, "10.88.0.3", 5432,
		     1000000000ull * (10 + i));
		assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
		mkev(&e, MMR_RT_EVT_ACCEPT4, &pdb, &db, "10.88.0.2", 40000 + i, "10.88.0.3", 5432,
		     1000000000ull * (10 + i) + 5);
		assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
	}
	/* web -> external 93.184.216.34:443 with a DNS name, and :80 */
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 41000, "93.184.216.34", 443, 5000000000ull);
	mmr_rt_strlcpy(e.fd.sip_name, "example.com", sizeof(e.fd.sip_name));
	assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 41001, "93.184.216.34", 80, 6000000000ull);
	e.res = -EINPROGRESS; /* non-blocking connect counts */
	assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
	/* host process connects out */
	mkev(&e, MMR_RT_EVT_CONNECT, &phost, NULL, "192.168.1.5", 50000, "1.1.1.1", 53, 7000000000ull);
	e.fd.l4proto = MMR_RT_L4_UDP;
	assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
	/* ignored: failed connect, enter event, unix socket, open */
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 1, "10.0.0.9", 22, 1);
	e.res = -ECONNREFUSED;
	assert_int_equal(mmr_rt_netmap_add(m, &e), 0);
	e.res = 0;
	e.dir = MMR_RT_DIR_ENTER;
	assert_int_equal(mmr_rt_netmap_add(m, &e), 0);
	e.dir = MMR_RT_DIR_EXIT;
	e.fd.typechar = MMR_RT_FD_UNIX;
	assert_int_equal(mmr_rt_netmap_add(m, &e), 0);
	e.type = MMR_RT_EVT_OPENAT;
	assert_int_equal(mmr_rt_netmap_add(m, &e), 0);

	json_t *root = mmr_rt_netmap_json(m);
	assert_non_null(root);
	assert_int_equal(json_array_size(json_object_get(root, "edges")), 3);
	json_t *x = edge(root, "web", "docker.io/library/postgres:16");
	assert_non_null(x);
	assert_int_equal(json_integer_value(json_object_get(x, "count")), 3); /* not 6 */
	assert_string_equal(json_string_value(json_object_get(x, "proto")), "tcp");
	assert_int_equal(json_array_size(json_object_get(x, "ports")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(x, "ports"), 0)), 5432);
	assert_string_equal(json_string_value(json_object_get(x, "first_seen")), "1970-01-01T00:00:10.000000000Z");
	assert_string_equal(json_string_value(json_object_get(x, "last_seen")), "1970-01-01T00:00:12.000000005Z");
	x = edge(root, "web", "93.184.216.34");
	assert_non_null(x);
	assert_int_equal(json_integer_value(json_object_get(x, "count")), 2);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(x, "ports"), 0)), 80);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(x, "ports"), 1)), 443);
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "dns"), 0)), "example.com");
	x = edge(root, "host:/usr/bin/curl", "1.1.1.1");
	assert_non_null(x);
	assert_string_equal(json_string_value(json_object_get(x, "proto")), "udp");
	assert_string_equal(node_kind(root, "web"), "workload");
	assert_string_equal(node_kind(root, "docker.io/library/postgres:16"), "workload");
	assert_string_equal(node_kind(root, "93.184.216.34"), "external");
	assert_int_equal(json_array_size(json_object_get(root, "nodes")), 5);
	json_decref(root);

	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	assert_int_equal(mmr_rt_netmap_dot(m, &b), 0);
	assert_non_null(strstr(b.p, "digraph mamori_netmap {"));
	assert_non_null(strstr(b.p, "\"web\" -> \"docker.io/library/postgres:16\" [label=\"tcp/5432 x3\"];"));
	assert_non_null(strstr(b.p, "\"web\" -> \"93.184.216.34\" [label=\"tcp/80,443 x2\"];"));
	assert_non_null(strstr(b.p, "\"93.184.216.34\" [shape=ellipse,style=dashed];"));
	assert_non_null(strstr(b.p, "\"web\" [shape=box];"));
	mmr_buf_release(&b);
	/* a tiny buffer cap gives -E2BIG, not truncation */
	mmr_buf_init(&b, 16);
	assert_int_equal(mmr_rt_netmap_dot(m, &b), -E2BIG);
	mmr_buf_release(&b);
	mmr_rt_netmap_free(m);
}

static void test_accept_only_external_client(void **state)
{
	(void)state;
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(0);
	struct mmr_rt_event e;
	mkev(&e, MMR_RT_EVT_ACCEPT, &pweb, &web, "203.0.113.7", 51515, "10.88.0.2", 8080, 42);
	assert_int_equal(mmr_rt_netmap_add(m, &e), 1);
	json_t *root = mmr_rt_netmap_json(m);
	json_t *x = edge(root, "203.0.113.7", "web");
	assert_non_null(x);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(x, "ports"), 0)), 8080);
	assert_string_equal(node_kind(root, "203.0.113.7"), "external");
	json_decref(root);
	mmr_rt_netmap_free(m);
}

static void test_limit(void **state)
{
	(void)state;
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(2);
	struct mmr_rt_event e;
	char ip[32];
	int full = 0;
	for (unsigned i = 0; i < 10; i++) {
		snprintf(ip, sizeof(ip), "198.51.100.%u", i + 1);
		mkev(&e, MMR_RT_EVT_CONNECT, &phost, NULL, "192.168.1.5", 50000 + i, ip, 443, i);
		int rc = mmr_rt_netmap_add(m, &e);
		if (rc == -E2BIG)
			full++;
		else
			assert_int_equal(rc, 1);
	}
	assert_int_equal(full, 8);
	assert_int_equal(mmr_rt_netmap_dropped(m), 8);
	json_t *root = mmr_rt_netmap_json(m);
	assert_int_equal(json_array_size(json_object_get(root, "edges")), 2);
	json_decref(root);
	mmr_rt_netmap_free(m);
	mmr_rt_netmap_free(NULL);
}

/* A saved map read back gives the same JSON; merged twice, counts add up;
 * a live event joins a reloaded edge; bad documents name the problem. */
static void test_merge_json(void **state)
{
	(void)state;
	struct mmr_rt_netmap *m = mmr_rt_netmap_new(0);
	struct mmr_rt_event e;
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 40000, "10.88.0.3", 5432, 10000000000ull);
	mmr_rt_netmap_add(m, &e);
	mkev(&e, MMR_RT_EVT_ACCEPT4, &pdb, &db, "10.88.0.2", 40000, "10.88.0.3", 5432, 10000000005ull);
	mmr_rt_netmap_add(m, &e);
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 41000, "93.184.216.34", 443, 5123456789ull);
	mmr_rt_strlcpy(e.fd.sip_name, "example.com", sizeof(e.fd.sip_name));
	mmr_rt_netmap_add(m, &e);
	mkev(&e, MMR_RT_EVT_ACCEPT, &pweb, &web, "203.0.113.7", 51515, "10.88.0.2", 8080, 42);
	mmr_rt_netmap_add(m, &e);
	json_t *j1 = mmr_rt_netmap_json(m);
	char *s1 = json_dumps(j1, JSON_SORT_KEYS);

	struct mmr_rt_netmap *m2 = mmr_rt_netmap_new(0);
	assert_int_equal(mmr_rt_netmap_merge_json(m2, j1, "map.json", NULL), 0);
	json_t *j2 = mmr_rt_netmap_json(m2);
	char *s2 = json_dumps(j2, JSON_SORT_KEYS);
	assert_string_equal(s1, s2);
	assert_string_equal(node_kind(j2, "203.0.113.7"), "external");
	assert_string_equal(node_kind(j2, "web"), "workload");
	json_decref(j2);
	/* merged again: counts double, times and ports stay */
	assert_int_equal(mmr_rt_netmap_merge_json(m2, j1, "map.json", NULL), 0);
	j2 = mmr_rt_netmap_json(m2);
	json_t *x = edge(j2, "web", "93.184.216.34");
	assert_int_equal(json_integer_value(json_object_get(x, "count")), 2);
	assert_string_equal(json_string_value(json_object_get(x, "first_seen")), "1970-01-01T00:00:05.123456789Z");
	assert_int_equal(json_array_size(json_object_get(x, "dns")), 1);
	json_decref(j2);
	/* a live connect lands on the reloaded edge */
	mkev(&e, MMR_RT_EVT_CONNECT, &pweb, &web, "10.88.0.2", 41001, "93.184.216.34", 443, 9000000000ull);
	assert_int_equal(mmr_rt_netmap_add(m2, &e), 1);
	j2 = mmr_rt_netmap_json(m2);
	x = edge(j2, "web", "93.184.216.34");
	assert_int_equal(json_integer_value(json_object_get(x, "count")), 3);
	assert_string_equal(json_string_value(json_object_get(x, "last_seen")), "1970-01-01T00:00:09.000000000Z");
	json_decref(j2);

	struct mmr_error err = { 0 };
	json_t *bad = json_loads("{\"nodes\":[],\"edges\":[{\"from\":\"a\"}]}", 0, NULL);
	assert_int_equal(mmr_rt_netmap_merge_json(m2, bad, "map.json", &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "edge 1"));
	json_decref(bad);
	bad = json_loads("{\"nodes\":[],\"edges\":[{\"from\":\"a\",\"to\":\"b\",\"proto\":\"tcp\","
			 "\"count\":1,\"ports\":[70000]}]}",
			 0, NULL);
	assert_int_equal(mmr_rt_netmap_merge_json(m2, bad, "map.json", &err), -EBADMSG);
	json_decref(bad);
	bad = json_loads("[]", 0, NULL);
	assert_int_equal(mmr_rt_netmap_merge_json(m2, bad, "map.json", &err), -EBADMSG);
	json_decref(bad);
	/* a full table */
	struct mmr_rt_netmap *m3 = mmr_rt_netmap_new(1);
	assert_int_equal(mmr_rt_netmap_merge_json(m3, j1, "map.json", NULL), -E2BIG);
	mmr_rt_netmap_free(m3);

	free(s1);
	free(s2);
	json_decref(j1);
	mmr_rt_netmap_free(m2);
	mmr_rt_netmap_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_and_externals),
		cmocka_unit_test(test_accept_only_external_client),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_merge_json),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
