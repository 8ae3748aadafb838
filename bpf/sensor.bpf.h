/* sensor.bpf.h - kernel-side helpers of the sensor (sensor.bpf.c only). */
#ifndef MMR_BPF_SENSOR_BPF_H
#define MMR_BPF_SENSOR_BPF_H

#define MMR_AT_FDCWD (-100)
#define MMR_O_WRONLY 01
#define MMR_O_RDWR 02
#define MMR_O_CREAT 0100
#define MMR_O_TRUNC 01000
#define MMR_S_IFMT 0170000
#define MMR_S_IFSOCK 0140000
#define MMR_AF_UNIX 1
#define MMR_AF_INET 2
#define MMR_AF_INET6 10
#define MMR_AF_PACKET 17
#define MMR_SOCK_RAW 3
#define MMR_SOCK_TYPE_MASK 0xf /* socket() type without SOCK_NONBLOCK/SOCK_CLOEXEC */
#define MMR_OVERLAYFS_MAGIC 0x794c7630

/* Values of the sensitive-prefix LPM map. */
#define MMR_PREFIX_SENSITIVE 1 /* report reads of paths below this prefix */
#define MMR_PREFIX_IGNORE 2    /* never report opens below this prefix */

struct mmr_prefix_key {
	__u32 prefixlen; /* in bits */
	__u8 data[MMR_SENSOR_PREFIX_MAX];
};

/* Syscall arguments of the x86_64 ABI from the user pt_regs of sys_enter.
 * The programs are tp_btf: regs is a BTF pointer, read directly (no
 * bpf_probe_read_kernel call per argument). */
static __always_inline __u64 mmr_sys_arg(struct pt_regs *regs, int n)
{
	switch (n) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->r10;
	case 4: return regs->r8;
	default: return regs->r9;
	}
}

#endif
