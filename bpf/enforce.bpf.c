// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* enforce.bpf.c - outbound connection blocking for `mamori agent --enforce`.
 *
 * cgroup/connect4 and cgroup/connect6 programs, attached (by link) to the
 * root of the cgroup v2 hierarchy, so they see every connect() of every
 * process below it. The task's cgroup id selects its workload (map
 * cgroup_wl, filled by user space as containers appear; an unknown cgroup
 * is the host workload when the policy has one). A connect is blocked
 * (return 0: connect() fails with EPERM) when the address is in the
 * workload's deny trie, or when the workload has an allow list and the
 * address is not in it. Every block (also in dry-run, where the connect
 * goes through) is sent to user space through a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "enforce.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 host_wl = MMR_ENF_WL_NONE;
const volatile __u8 dry_run = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} cgroup_wl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MMR_ENF_WL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} wl_flags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MMR_ENF_CIDR_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mmr_enf_key);
	__type(value, __u8);
} deny SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MMR_ENF_CIDR_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mmr_enf_key);
	__type(value, __u8);
} allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} blocked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mmr_enf_key);
} scratch SEC(".maps");

/* Whether the trie has the address with this port or with any port. */
static __always_inline int in_trie(void *trie, struct mmr_enf_key *k, __u16 port)
{
	k->port = port;
	if (bpf_map_lookup_elem(trie, k))
		return 1;
	k->port = 0;
	return bpf_map_lookup_elem(trie, k) != 0;
}

static __always_inline int check(struct mmr_enf_key *k, __u16 port, __u8 family)
{
	__u64 cg = bpf_get_current_cgroup_id();
	__u32 *w = bpf_map_lookup_elem(&cgroup_wl, &cg);
	__u32 wl = w ? *w : host_wl;
	if (wl >= MMR_ENF_WL_MAX)
		return 1;
	__u32 *fl = bpf_map_lookup_elem(&wl_flags, &wl);
	if (!fl || !(*fl & MMR_ENF_F_ACTIVE))
		return 1;
	k->prefixlen = 64 + 128;
	k->wl = wl;
	k->pad = 0;
	int block = in_trie(&deny, k, port);
	if (!block && (*fl & MMR_ENF_F_ALLOWLIST))
		block = !in_trie(&allow, k, port);
	if (!block)
		return 1;
	struct mmr_enf_blocked *b = bpf_ringbuf_reserve(&blocked, sizeof(*b), 0);
	if (b) {
		b->cgroup_id = cg;
		b->pid = (__u32)(bpf_get_current_pid_tgid() >> 32);
		b->wl = wl;
		__builtin_memcpy(b->ip, k->ip, 16);
		b->port = port;
		b->family = family;
		b->dry_run = dry_run;
		bpf_get_current_comm(b->comm, sizeof(b->comm));
		bpf_ringbuf_submit(b, 0);
	}
	return dry_run ? 1 : 0;
}

SEC("cgroup/connect4")
int enforce_connect4(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	struct mmr_enf_key *k = bpf_map_lookup_elem(&scratch, &zero);
	if (!k)
		return 1;
	__u32 ip4 = ctx->user_ip4;
	__builtin_memset(k->ip, 0, 10);
	k->ip[10] = 0xff;
	k->ip[11] = 0xff;
	__builtin_memcpy(&k->ip[12], &ip4, 4);
	return check(k, bpf_ntohs((__u16)ctx->user_port), 4);
}

SEC("cgroup/connect6")
int enforce_connect6(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	struct mmr_enf_key *k = bpf_map_lookup_elem(&scratch, &zero);
	if (!k)
		return 1;
	__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];
	__builtin_memcpy(&k->ip[0], &a0, 4);
	__builtin_memcpy(&k->ip[4], &a1, 4);
	__builtin_memcpy(&k->ip[8], &a2, 4);
	__builtin_memcpy(&k->ip[12], &a3, 4);
	return check(k, bpf_ntohs((__u16)ctx->user_port), 6);
}
