/* runtime-netmap.c - connections aggregated per workload pair (see the header). */
#include "runtime/runtime-netmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/core-arena.h"
#include "core/core-error.h"
#include "core/core-time.h"
#include "core/core-vec.h"

struct nm_edge {
	const char *key;
	const char *from, *to; /* "w:NAME" or "a:IP" */
	uint8_t proto;
	bool from_server;      /* recorded from the server side (accept) */
	uint64_t count, first, last;
	uint16_t nports;
	uint16_t ports[MMR_RT_NETMAP_PORTS];
	uint16_t nnames;
	const char *names[MMR_RT_NETMAP_NAMES];
};

struct mmr_rt_netmap {
	struct mmr_arena *arena;
	struct mmr_map edges;  /* key -> struct nm_edge */
	struct mmr_vec list;   /* struct nm_edge *, insertion order */
	struct mmr_map owners; /* "IP" or "IP:PORT" -> "w:NAME" */
	size_t nowners, max_edges, dropped;
};

struct mmr_rt_netmap *mmr_rt_netmap_new(size_t max_edges)
{
	struct mmr_rt_netmap *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->arena = mmr_arena_new(MMR_ARENA_DEFAULT_CAP);
	if (!m->arena) {
		free(m);
		return NULL;
	}
	mmr_map_init(&m->edges, m->arena);
	mmr_map_init(&m->owners, m->arena);
	m->max_edges = max_edges ? max_edges : 65536;
	return m;
}

void mmr_rt_netmap_free(struct mmr_rt_netmap *m)
{
	if (!m)
		return;
	mmr_arena_free(m->arena);
	free(m);
}

size_t mmr_rt_netmap_dropped(const struct mmr_rt_netmap *m)
{
	return m->dropped;
}

void mmr_rt_netmap_node_name(const struct mmr_rt_event *ev, char *out, size_t size)
{
	const struct mmr_rt_container *c = ev->container;
	const struct mmr_rt_proc *p = ev->proc;
	if (c && c->name[0])
		snprintf(out, size, "%s", c->name);
	else if (c && c->image[0])
		snprintf(out, size, "%s", c->image);
	else if (c)
		snprintf(out, size, "%.12s", c->id);
	else if (p && p->container_id[0])
		snprintf(out, size, "%.12s", p->container_id);
	else if (p && p->exepath[0])
		snprintf(out, size, "host:%s", p->exepath);
	else if (p && p->comm[0])
		snprintf(out, size, "host:%s", p->comm);
	else
		snprintf(out, size, "host");
}

static void addr_str(const struct mmr_rt_addr *a, char *out, size_t size)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (a->family == AF_INET || (a->family != AF_INET6 && memcmp(a->ip, v4mapped, 12) == 0)) {
		if (!inet_ntop(AF_INET, a->ip + 12, out, (socklen_t)size))
			snprintf(out, size, "?");
	} else if (!inet_ntop(AF_INET6, a->ip, out, (socklen_t)size)) {
		snprintf(out, size, "?");
	}
}

static bool addr_loopback_or_any(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 || strcmp(ip, "0.0.0.0") == 0 ||
	       strcmp(ip, "::") == 0;
}

static int owner_put(struct mmr_rt_netmap *m, const char *key, const char *node)
{
	const char *cur = mmr_map_get(&m->owners, key);
	if (cur && strcmp(cur, node) == 0)
		return 0;
	if (!cur && m->nowners >= m->max_edges)
		return 0; /* owners are a hint: stop learning them when full */
	char *k = mmr_arena_strdup(m->arena, key);
	char *v = mmr_arena_strdup(m->arena, node);
	if (!k || !v || mmr_map_put(&m->owners, k, v) < 0)
		return -ENOMEM;
	if (!cur)
		m->nowners++;
	return 0;
}

/* The edge of key (from -> to, proto, recorded at the server or the
 * client), made when new with key, from and to copied into the arena;
 * -E2BIG (counted as dropped) once the map holds max_edges. */
static int edge_get(struct mmr_rt_netmap *m, const char *key, const char *from, const char *to, uint8_t proto,
		    bool from_server, uint64_t first, struct nm_edge **ret)
{
	struct nm_edge *e = mmr_map_get(&m->edges, key);
	if (!e) {
		if (m->list.n >= m->max_edges) {
			m->dropped++;
			return -E2BIG;
		}
		e = mmr_arena_alloc(m->arena, sizeof(*e));
		if (!e || !(e->key = mmr_arena_strdup(m->arena, key)) ||
		    !(e->from = mmr_arena_strdup(m->arena, from)) || !(e->to = mmr_arena_strdup(m->arena, to)))
			return -ENOMEM;
		e->proto = proto;
		e->from_server = from_server;
		e->first = first;
		if (mmr_map_put(&m->edges, e->key, e) < 0 || mmr_vec_push(m->arena, &m->list, e) < 0)
			return -ENOMEM;
	}
	*ret = e;
	return 0;
}

int mmr_rt_netmap_add(struct mmr_rt_netmap *m, const struct mmr_rt_event *ev)
{
	bool is_connect = ev->type == MMR_RT_EVT_CONNECT;
	bool is_accept = ev->type == MMR_RT_EVT_ACCEPT || ev->type == MMR_RT_EVT_ACCEPT4;
	if (!is_connect && !is_accept)
		return 0;
	if (ev->dir == MMR_RT_DIR_ENTER || (ev->res < 0 && !(is_connect && ev->res == -EINPROGRESS)))
		return 0;
	if (ev->fd.typechar != MMR_RT_FD_IPV4 && ev->fd.typechar != MMR_RT_FD_IPV6)
		return 0;
	char self[MMR_RT_CONTAINER_STR_MAX + MMR_RT_PATH_MAX + 8], node[sizeof(self) + 2];
	mmr_rt_netmap_node_name(ev, self, sizeof(self));
	snprintf(node, sizeof(node), "w:%s", self);
	char cip[64], sip[64], key[96];
	addr_str(&ev->fd.cip, cip, sizeof(cip));
	addr_str(&ev->fd.sip, sip, sizeof(sip));
	char peer[sizeof(node)];
	const char *from, *to;
	int rc;
	if (is_connect) {
		/* this workload is the client: its local address is cip */
		snprintf(key, sizeof(key), "%s:%u", cip, (unsigned)ev->fd.cport);
		if ((rc = owner_put(m, key, node)) < 0)
			return rc;
		if (!addr_loopback_or_any(cip) && (rc = owner_put(m, cip, node)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s:%u", sip, (unsigned)ev->fd.sport);
		const char *o = mmr_map_get(&m->owners, key);
		if (o)
			snprintf(peer, sizeof(peer), "%s", o);
		else
			snprintf(peer, sizeof(peer), "a:%s", sip);
		from = node;
		to = peer;
	} else {
		snprintf(key, sizeof(key), "%s:%u", sip, (unsigned)ev->fd.sport);
		if ((rc = owner_put(m, key, node)) < 0)
			return rc;
		if (!addr_loopback_or_any(sip) && (rc = owner_put(m, sip, node)) < 0)
			return rc;
		snprintf(key, sizeof(key), "%s:%u", cip, (unsigned)ev->fd.cport);
		const char *o = mmr_map_get(&m->owners, key);
		if (o)
			snprintf(peer, sizeof(peer), "%s", o);
		else
			snprintf(peer, sizeof(peer), "a:%s", cip);
		from = peer;
		to = node;
	}
	char ekey[2 * sizeof(node) + 16];
	snprintf(ekey, sizeof(ekey), "%s\x1f%s\x1f%u\x1f%c", from, to, (unsigned)ev->fd.l4proto,
		 is_accept ? 's' : 'c');
	struct nm_edge *e;
	if ((rc = edge_get(m, ekey, from, to, ev->fd.l4proto, is_accept, ev->ts, &e)) < 0)
		return rc;
	e->count++;
	if (ev->ts < e->first)
		e->first = ev->ts;
	if (ev->ts > e->last)
		e->last = ev->ts;
	uint16_t port = ev->fd.sport;
	bool have = false;
	for (unsigned i = 0; i < e->nports; i++)
		have |= e->ports[i] == port;
	if (!have && e->nports < MMR_RT_NETMAP_PORTS)
		e->ports[e->nports++] = port;
	if (is_connect && ev->fd.sip_name[0]) {
		have = false;
		for (unsigned i = 0; i < e->nnames; i++)
			have |= strcmp(e->names[i], ev->fd.sip_name) == 0;
		if (!have && e->nnames < MMR_RT_NETMAP_NAMES) {
			if (!(e->names[e->nnames] = mmr_arena_strdup(m->arena, ev->fd.sip_name)))
				return -ENOMEM;
			e->nnames++;
		}
	}
	return 1;
}

/* ---- reload ---- */

static const char *proto_name(uint8_t p);

/* "2024-05-01T10:00:00.123456789Z" -> ns since the epoch; 0 when malformed. */
static uint64_t time_parse(const char *s)
{
	if (!s)
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	uint64_t ns = 0;
	if (*p == '.') {
		unsigned digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 9) {
				ns = ns * 10 + (uint64_t)(*p - '0');
				digits++;
			}
		for (; digits < 9; digits++)
			ns *= 10;
	}
	if (*p != 'Z')
		return 0;
	time_t t = timegm(&tm);
	if (t < 0)
		return 0;
	return (uint64_t)t * 1000000000ull + ns;
}

int mmr_rt_netmap_merge_json(struct mmr_rt_netmap *m, const json_t *doc, const char *file,
			     struct mmr_error *reterr)
{
	if (!json_is_object(doc))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "network map: expected an object");
	json_t *nodes = json_object_get(doc, "nodes"), *edges = json_object_get(doc, "edges");
	if ((nodes && !json_is_array(nodes)) || (edges && !json_is_array(edges)))
		return mmr_error_set(reterr, EBADMSG, file, 0, 0, "network map: nodes and edges must be lists");
	size_t i;
	json_t *x;
	struct mmr_map external; /* node ids of kind external: they become "a:" nodes */
	mmr_map_init(&external, m->arena);
	json_array_foreach(nodes, i, x)
	{
		const char *id = json_string_value(json_object_get(x, "id"));
		const char *kind = json_string_value(json_object_get(x, "kind"));
		if (!id || !kind)
			return mmr_error_set(reterr, EBADMSG, file, 0, 0, "network map: node %zu needs id and kind",
					     i + 1);
		if (strcmp(kind, "external") == 0) {
			char *k = mmr_arena_strdup(m->arena, id);
			if (!k || mmr_map_put(&external, k, k) < 0)
				return -ENOMEM;
		}
	}
	json_array_foreach(edges, i, x)
	{
		const char *from = json_string_value(json_object_get(x, "from"));
		const char *to = json_string_value(json_object_get(x, "to"));
		const char *proto = json_string_value(json_object_get(x, "proto"));
		json_t *cnt = json_object_get(x, "count"), *ports = json_object_get(x, "ports");
		json_t *dns = json_object_get(x, "dns");
		if (!from || !to || !proto || !json_is_integer(cnt) || json_integer_value(cnt) < 0 ||
		    (ports && !json_is_array(ports)) || (dns && !json_is_array(dns)))
			return mmr_error_set(reterr, EBADMSG, file, 0, 0,
					     "network map: edge %zu needs from, to, proto, count", i + 1);
		uint8_t pr = 0;
		for (uint8_t p = 1; p < 5; p++)
			if (strcmp(proto, proto_name(p)) == 0)
				pr = p;
		bool from_ext = mmr_map_has(&external, from), to_ext = mmr_map_has(&external, to);
		char *f = mmr_arena_printf(m->arena, "%s:%s", from_ext ? "a" : "w", from);
		char *t = mmr_arena_printf(m->arena, "%s:%s", to_ext ? "a" : "w", to);
		uint64_t first = time_parse(json_string_value(json_object_get(x, "first_seen")));
		uint64_t last = time_parse(json_string_value(json_object_get(x, "last_seen")));
		/* The local side of a raw edge is its workload end: an edge from an
		 * external client was seen at the server (accept); between two
		 * workloads it stands for both ends, so both stay workloads. */
		struct nm_edge *sides[2] = { NULL, NULL };
		for (int side = 0; side < 2; side++) {
			bool from_server = side == 1;
			if ((from_server && to_ext) || (!from_server && from_ext))
				continue;
			char *ekey = f && t ? mmr_arena_printf(m->arena, "%s\x1f%s\x1f%u\x1f%c", f, t, (unsigned)pr,
							       from_server ? 's' : 'c')
					    : NULL;
			if (!ekey)
				return -ENOMEM;
			struct nm_edge *e;
			int rc = edge_get(m, ekey, f, t, pr, from_server, first, &e);
			if (rc < 0)
				return rc;
			e->count += (uint64_t)json_integer_value(cnt);
			if (first && (!e->first || first < e->first))
				e->first = first;
			if (last > e->last)
				e->last = last;
			sides[side] = e;
		}
		for (int side = 0; side < 2; side++) {
			struct nm_edge *e = sides[side];
			if (!e)
				continue;
		size_t j;
		json_t *y;
		json_array_foreach(ports, j, y)
		{
			json_int_t pv = json_integer_value(y);
			if (!json_is_integer(y) || pv < 0 || pv > 65535)
				return mmr_error_set(reterr, EBADMSG, file, 0, 0, "network map: edge %zu: bad port",
						     i + 1);
			bool have = false;
			for (unsigned q = 0; q < e->nports; q++)
				have |= e->ports[q] == (uint16_t)pv;
			if (!have && e->nports < MMR_RT_NETMAP_PORTS)
				e->ports[e->nports++] = (uint16_t)pv;
		}
		json_array_foreach(dns, j, y)
		{
			const char *n = json_string_value(y);
			if (!n)
				continue;
			bool have = false;
			for (unsigned q = 0; q < e->nnames; q++)
				have |= strcmp(e->names[q], n) == 0;
			if (!have && e->nnames < MMR_RT_NETMAP_NAMES) {
				if (!(e->names[e->nnames] = mmr_arena_strdup(m->arena, n)))
					return -ENOMEM;
				e->nnames++;
			}
		}
		}
	}
	return 0;
}

/* ---- output ---- */

struct nm_out {
	char *from, *to;
	uint8_t proto;
	uint64_t cnt_client, cnt_server, first, last;
	uint16_t nports;
	uint16_t ports[MMR_RT_NETMAP_PORTS];
	uint16_t nnames;
	const char *names[MMR_RT_NETMAP_NAMES];
};

static const char *resolve(const struct mmr_rt_netmap *m, const char *n)
{
	if (strncmp(n, "a:", 2) != 0)
		return n;
	const char *o = mmr_map_get(&m->owners, n + 2);
	return o ? o : n;
}

static int out_cmp(const void *a, const void *b)
{
	const struct nm_out *x = *(struct nm_out *const *)a, *y = *(struct nm_out *const *)b;
	int c = strcmp(x->from, y->from);
	if (!c)
		c = strcmp(x->to, y->to);
	if (!c)
		c = (int)x->proto - (int)y->proto;
	return c;
}

static int port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Merged, resolved, sorted edges in arena a. */
static int collect(const struct mmr_rt_netmap *m, struct mmr_arena *a, struct nm_out ***ret, size_t *ret_n,
		   struct mmr_map *workloads)
{
	struct mmr_map idx;
	mmr_map_init(&idx, a);
	mmr_map_init(workloads, a);
	struct mmr_vec v = { 0 };
	for (size_t i = 0; i < m->list.n; i++) {
		const struct nm_edge *e = mmr_vec_at(&m->list, i);
		const char *from = resolve(m, e->from), *to = resolve(m, e->to);
		if (!e->from_server && to == e->to && strncmp(e->to, "a:", 2) == 0) {
			/* a connect whose server was only later seen accepting: its owner
			 * is known by address and port */
			for (unsigned j = 0; j < e->nports; j++) {
				char *k = mmr_arena_printf(a, "%s:%u", e->to + 2, (unsigned)e->ports[j]);
				const char *o = k ? mmr_map_get(&m->owners, k) : NULL;
				if (o) {
					to = o;
					break;
				}
			}
		}
		/* anything that was the local side of an event is a workload */
		const char *w = (e->from_server ? e->to : e->from) + 2;
		if (!mmr_map_has(workloads, w) && mmr_map_put(workloads, w, (void *)w) < 0)
			return -ENOMEM;
		char *k = mmr_arena_printf(a, "%s\x1f%s\x1f%u", from, to, (unsigned)e->proto);
		if (!k)
			return -ENOMEM;
		struct nm_out *o = mmr_map_get(&idx, k);
		if (!o) {
			o = mmr_arena_alloc(a, sizeof(*o));
			if (!o || !(o->from = mmr_arena_strdup(a, from + 2)) || !(o->to = mmr_arena_strdup(a, to + 2)))
				return -ENOMEM;
			o->proto = e->proto;
			o->first = e->first;
			if (mmr_map_put(&idx, k, o) < 0 || mmr_vec_push(a, &v, o) < 0)
				return -ENOMEM;
		}
		if (e->from_server)
			o->cnt_server += e->count;
		else
			o->cnt_client += e->count;
		if (e->first < o->first)
			o->first = e->first;
		if (e->last > o->last)
			o->last = e->last;
		for (unsigned j = 0; j < e->nports; j++) {
			bool have = false;
			for (unsigned q = 0; q < o->nports; q++)
				have |= o->ports[q] == e->ports[j];
			if (!have && o->nports < MMR_RT_NETMAP_PORTS)
				o->ports[o->nports++] = e->ports[j];
		}
		for (unsigned j = 0; j < e->nnames; j++) {
			bool have = false;
			for (unsigned q = 0; q < o->nnames; q++)
				have |= strcmp(o->names[q], e->names[j]) == 0;
			if (!have && o->nnames < MMR_RT_NETMAP_NAMES)
				o->names[o->nnames++] = e->names[j];
		}
	}
	for (size_t i = 0; i < v.n; i++) {
		struct nm_out *o = mmr_vec_at(&v, i);
		qsort(o->ports, o->nports, sizeof(o->ports[0]), port_cmp);
	}
	if (v.n)
		qsort(v.v, v.n, sizeof(v.v[0]), out_cmp);
	*ret = (struct nm_out **)v.v;
	*ret_n = v.n;
	return 0;
}

static const char *proto_name(uint8_t p)
{
	static const char *const n[] = { "", "tcp", "udp", "icmp", "raw" };
	return p < 5 ? n[p] : "";
}

json_t *mmr_rt_netmap_json(const struct mmr_rt_netmap *m)
{
	struct mmr_arena *a = mmr_arena_new(MMR_ARENA_DEFAULT_CAP);
	if (!a)
		return NULL;
	struct nm_out **v;
	size_t n;
	json_t *root = NULL;
	struct mmr_map wl;
	if (collect(m, a, &v, &n, &wl) < 0)
		goto out;
	root = json_object();
	json_t *nodes = json_array(), *edges = json_array(), *seen = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *ends[2] = { v[i]->from, v[i]->to };
		for (int j = 0; j < 2; j++) {
			if (json_object_get(seen, ends[j]))
				continue;
			json_object_set_new(seen, ends[j], json_true());
			json_t *nd = json_object();
			json_object_set_new(nd, "id", json_string(ends[j]));
			json_object_set_new(nd, "kind", json_string(mmr_map_has(&wl, ends[j]) ? "workload" : "external"));
			json_array_append_new(nodes, nd);
		}
		json_t *e = json_object();
		json_object_set_new(e, "from", json_string(v[i]->from));
		json_object_set_new(e, "to", json_string(v[i]->to));
		json_object_set_new(e, "proto", json_string(proto_name(v[i]->proto)));
		json_t *ports = json_array();
		for (unsigned j = 0; j < v[i]->nports; j++)
			json_array_append_new(ports, json_integer(v[i]->ports[j]));
		json_object_set_new(e, "ports", ports);
		uint64_t c = v[i]->cnt_client > v[i]->cnt_server ? v[i]->cnt_client : v[i]->cnt_server;
		json_object_set_new(e, "count", json_integer((json_int_t)c));
		char t[64];
		mmr_time_iso(v[i]->first, t, sizeof(t));
		json_object_set_new(e, "first_seen", json_string(t));
		mmr_time_iso(v[i]->last, t, sizeof(t));
		json_object_set_new(e, "last_seen", json_string(t));
		json_t *dns = json_array();
		for (unsigned j = 0; j < v[i]->nnames; j++)
			json_array_append_new(dns, json_string(v[i]->names[j]));
		json_object_set_new(e, "dns", dns);
		json_array_append_new(edges, e);
	}
	json_decref(seen);
	json_object_set_new(root, "nodes", nodes);
	json_object_set_new(root, "edges", edges);
out:
	mmr_arena_free(a);
	return root;
}

static int dot_quoted(struct mmr_buf *b, const char *s)
{
	int rc = mmr_buf_addc(b, '"');
	for (; *s && rc >= 0; s++) {
		if (*s == '"' || *s == '\\')
			rc = mmr_buf_addc(b, '\\');
		if (rc >= 0)
			rc = mmr_buf_addc(b, (unsigned char)*s < 0x20 ? ' ' : *s);
	}
	return rc < 0 ? rc : mmr_buf_addc(b, '"');
}

int mmr_rt_netmap_dot(const struct mmr_rt_netmap *m, struct mmr_buf *out)
{
	struct mmr_arena *a = mmr_arena_new(MMR_ARENA_DEFAULT_CAP);
	if (!a)
		return -ENOMEM;
	struct nm_out **v;
	size_t n;
	struct mmr_map seen;
	mmr_map_init(&seen, a);
	struct mmr_map wl;
	int rc = collect(m, a, &v, &n, &wl);
	if (rc >= 0)
		rc = mmr_buf_adds(out, "digraph mamori_netmap {\n  rankdir=LR;\n");
	for (size_t i = 0; i < n && rc >= 0; i++) {
		const char *ends[2] = { v[i]->from, v[i]->to };
		for (int j = 0; j < 2 && rc >= 0; j++) {
			if (mmr_map_has(&seen, ends[j]))
				continue;
			if ((rc = mmr_map_put(&seen, ends[j], (void *)ends[j])) < 0)
				break;
			if ((rc = mmr_buf_adds(out, "  ")) >= 0 && (rc = dot_quoted(out, ends[j])) >= 0)
				rc = mmr_buf_adds(out, mmr_map_has(&wl, ends[j]) ? " [shape=box];\n"
									 : " [shape=ellipse,style=dashed];\n");
		}
		if (rc < 0)
			break;
		uint64_t c = v[i]->cnt_client > v[i]->cnt_server ? v[i]->cnt_client : v[i]->cnt_server;
		char label[256];
		size_t off = (size_t)snprintf(label, sizeof(label), "%s", proto_name(v[i]->proto));
		for (unsigned j = 0; j < v[i]->nports && off < sizeof(label); j++)
			off += (size_t)snprintf(label + off, sizeof(label) - off, "%s%u", j ? "," : "/",
						(unsigned)v[i]->ports[j]);
		if (off < sizeof(label))
			snprintf(label + off, sizeof(label) - off, " x%llu", (unsigned long long)c);
		if ((rc = mmr_buf_adds(out, "  ")) < 0 || (rc = dot_quoted(out, v[i]->from)) < 0 ||
		    (rc = mmr_buf_adds(out, " -> ")) < 0 || (rc = dot_quoted(out, v[i]->to)) < 0 ||
		    (rc = mmr_buf_adds(out, " [label=")) < 0 || (rc = dot_quoted(out, label)) < 0 ||
		    (rc = mmr_buf_adds(out, "];\n")) < 0)
			break;
	}
	if (rc >= 0)
		rc = mmr_buf_adds(out, "}\n");
	mmr_arena_free(a);
	return rc < 0 ? rc : 0;
}
