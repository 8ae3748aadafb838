/* enforce.h - what bpf/enforce.bpf.c shares with its loader
 * (lib/runtime/runtime-enforce.c): map keys and values, the blocked-connect
 * record. Fixed-width types only. */
#ifndef MMR_BPF_ENFORCE_H
#define MMR_BPF_ENFORCE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define MMR_ENF_WL_MAX 256
#define MMR_ENF_WL_NONE 0xffffffffu /* a cgroup in no workload */
#define MMR_ENF_CIDR_MAX 16384

#define MMR_ENF_F_ACTIVE 1u     /* the workload has connect rules */
#define MMR_ENF_F_ALLOWLIST 2u  /* allow_connect given: all else is blocked */

/* LPM trie key: prefixlen covers wl (32 bits), port (16), pad (16), then
 * the address bits; port 0 = any port (the program looks up the real port,
 * then 0). IPv4 is ::ffff:a.b.c.d. */
struct mmr_enf_key {
	__u32 prefixlen;
	__u32 wl;
	__u16 port; /* host order */
	__u16 pad;
	__u8 ip[16];
};

struct mmr_enf_blocked {
	__u64 cgroup_id;
	__u32 pid;
	__u32 wl;
	__u8 ip[16];
	__u16 port;
	__u8 family; /* 4 or 6 */
	__u8 dry_run;
	char comm[16];
};

#endif
