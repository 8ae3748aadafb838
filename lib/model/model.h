/* model.h - the one model every scanner emits and every sink consumes:
 * packages, assets (what was scanned), findings, and the report.
 * (DESIGN.md §3; docs/internals/model.md.)
 *
 * Ownership: every object and string here lives in the arena of the scan
 * (struct mmr_report.arena) and dies with mmr_report_free(). */
#ifndef MMR_MODEL_H
#define MMR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core-arena.h"
#include "core/core-vec.h"

#define MMR_REPORT_SCHEMA_VERSION 1

enum mmr_ecosystem {
	MMR_ECO_UNKNOWN = 0,
#define X(e, id, purl, os) MMR_ECO_##e,
#include "model/model-ecosystem.def"
#undef X
	MMR_ECO__COUNT
};

const char *mmr_ecosystem_id(enum mmr_ecosystem e);   /* "debian", "npm", ... */
const char *mmr_ecosystem_purl_type(enum mmr_ecosystem e);
bool mmr_ecosystem_is_os(enum mmr_ecosystem e);
enum mmr_ecosystem mmr_ecosystem_from_id(const char *id);

enum mmr_dep_relation {
	MMR_DEP_UNKNOWN = 0,
	MMR_DEP_ROOT,     /* the project itself */
	MMR_DEP_WORKSPACE,
	MMR_DEP_DIRECT,
	MMR_DEP_INDIRECT,
};

struct mmr_package {
	const char *id;       /* unique within its result, e.g. "bash@5.2-2" */
	const char *name;
	const char *version;  /* without epoch; "" when unknown */
	uint32_t epoch;       /* 0 when none */
	bool has_epoch;
	const char *release;  /* rpm/dpkg revision when kept apart; may be NULL */
	const char *arch;
	const char *src_name;     /* OS: source package */
	const char *src_version;  /* OS: source version (without epoch) */
	uint32_t src_epoch;
	const char *src_release;
	enum mmr_ecosystem eco;
	const char *purl;         /* filled by mmr_package_finish() when NULL */
	struct mmr_vec licenses;  /* const char * */
	struct mmr_vec depends_on;/* const char * package ids */
	const char *file;         /* file it was found in (path inside target) */
	const char *layer;        /* diff ID of the layer that introduced it */
	const char *maintainer;
	const char *vendor;
	const char *repository;   /* "official" | "third-party" | NULL */
	enum mmr_dep_relation relation;
	bool dev;                 /* dev/test-only dependency */
	bool indirect;
	unsigned long line_start, line_end; /* location in file, 0 when unknown */
};

/* The version as its ecosystem writes it in full ("1:2.3-4" for dpkg with
 * epoch, "2.3-4" for rpm with release). Arena-allocated. */
const char *mmr_package_full_version(struct mmr_arena *a, const struct mmr_package *p);
struct mmr_os;
/* Fill id and purl if unset. os: for OS packages, the distribution (purl
 * namespace = os->name, qualifier distro=<name>-<version>); NULL otherwise. */
int mmr_package_finish(struct mmr_arena *a, struct mmr_package *p, const struct mmr_os *os);

/* An OS identified from os-release (or apk/rpm hints). */
struct mmr_os {
	const char *family;  /* "debian", "ubuntu", "alpine", "redhat", ... */
	const char *name;    /* from os-release ID */
	const char *version; /* VERSION_ID */
	const char *codename;
	const char *pretty;
};

struct mmr_layer {
	const char *digest;   /* blob digest as stored (may be compressed) */
	const char *diff_id;  /* sha256 of the uncompressed tar */
	uint64_t size;        /* compressed bytes */
	const char *created_by;
	const char *media_type;
};

struct mmr_image_config {
	const char *architecture, *os, *variant, *created;
	const char *user, *workdir;
	struct mmr_vec env, entrypoint, cmd, exposed_ports, volumes; /* const char * */
	struct mmr_vec label_keys, label_values;                     /* const char * */
	struct mmr_vec history; /* struct mmr_image_history * */
	bool has_healthcheck;
};

struct mmr_image_history {
	const char *created, *created_by, *comment;
	bool empty_layer;
};

enum mmr_asset_kind {
	MMR_ASSET_IMAGE,
	MMR_ASSET_ROOTFS,
	MMR_ASSET_FS,
	MMR_ASSET_HOST,
};
const char *mmr_asset_kind_name(enum mmr_asset_kind k);

/* What was scanned. */
struct mmr_asset {
	enum mmr_asset_kind kind;
	const char *name;          /* the reference or path the user gave */
	struct mmr_os os;          /* family NULL when unknown */
	/* images */
	const char *image_id;      /* config digest */
	const char *manifest_digest;
	struct mmr_vec repo_tags, repo_digests; /* const char * */
	struct mmr_vec layers;     /* struct mmr_layer * */
	struct mmr_image_config config;
	bool has_config;
	const char *hostname;
};

enum mmr_severity {
	MMR_SEV_UNKNOWN = 0,
	MMR_SEV_INFO,
	MMR_SEV_LOW,
	MMR_SEV_MEDIUM,
	MMR_SEV_HIGH,
	MMR_SEV_CRITICAL,
};
const char *mmr_severity_name(enum mmr_severity s);
enum mmr_severity mmr_severity_from_name(const char *s); /* case-insensitive */

enum mmr_finding_kind {
	MMR_FINDING_VULNERABILITY,
	MMR_FINDING_MISCONFIGURATION,
	MMR_FINDING_SECRET,
	MMR_FINDING_MALWARE,
	MMR_FINDING_RUNTIME,
	MMR_FINDING_ENTITLEMENT,
	MMR_FINDING_WAF,
};
const char *mmr_finding_kind_name(enum mmr_finding_kind k);

struct mmr_location {
	const char *file;
	unsigned long line_start, line_end, col;
	const char *layer;     /* diff ID */
	const char *package;   /* package id */
	const char *resource;  /* resource address */
	const char *process;
};

/* What a vulnerability finding adds (finding->vuln, kind VULNERABILITY). */
struct mmr_vuln_info {
	const char *installed;     /* installed version (full, as the package writes it) */
	struct mmr_vec fixed;      /* const char *: fixed versions; empty when no fix */
	const char *status;        /* "fixed", "affected", "will_not_fix", "fix_deferred",
				      "under_investigation", "not_affected" (VEX) */
	struct mmr_vec sources;    /* const char *: feeds that reported it */
	const char *description;
	const char *published, *modified;
	const char *severity_source; /* whose rating `severity` is: "debian", "nvd", ... */
	const char *cvss3_vector, *cvss4_vector;
	double cvss3_score, cvss4_score; /* -1 when absent */
	bool kev;
	const char *kev_added, *kev_due;
	double epss, epss_percentile; /* -1 when unknown */
	const char *vex_status, *vex_justification, *vex_source; /* from VEX input */
	struct mmr_vec cwes;       /* const char * */
};

struct mmr_finding {
	const char *fingerprint;   /* stable: sha256 over kind, rule, asset, location */
	enum mmr_finding_kind kind;
	const char *rule_id;       /* rule or advisory id */
	const char *title;
	enum mmr_severity severity;
	double score;              /* -1 when none */
	struct mmr_location loc;
	const char *evidence;
	const char *remediation;
	const char *fix;           /* fixed version, patched snippet, command */
	struct mmr_vec references; /* const char * */
	struct mmr_vec controls;   /* const char * compliance controls */
	struct mmr_vec aliases;    /* const char * other ids */
	struct mmr_vuln_info *vuln; /* kind VULNERABILITY only, else NULL */
	bool suppressed;           /* kept for the record (ignore file, VEX), not gating */
	const char *suppressed_by; /* why: "ignore: <reason>", "vex: not_affected (...)" */
};

/* One group of packages from one source: the OS package DB, or one lockfile. */
struct mmr_result {
	const char *target;    /* "alpine 3.11.5" or the lockfile path */
	const char *class;     /* "os-pkgs" | "lang-pkgs" */
	const char *type;      /* analyzer type id: "dpkg", "npm", ... */
	struct mmr_vec packages; /* struct mmr_package * */
	struct mmr_vec findings; /* struct mmr_finding * */
};

/* A problem met during a scan that did not stop it. */
struct mmr_diag {
	const char *where;     /* "layer sha256:.. file usr/lib/x" */
	const char *message;
};

struct mmr_report {
	struct mmr_arena *arena;
	const char *created;   /* RFC 3339 UTC */
	const char *tool_version;
	struct mmr_asset asset;
	struct mmr_vec results; /* struct mmr_result * */
	struct mmr_vec diags;   /* struct mmr_diag * */
};

struct mmr_report *mmr_report_new(void);
void mmr_report_free(struct mmr_report *r);
/* Get or create the result with this target and type. */
struct mmr_result *mmr_report_result(struct mmr_report *r, const char *target, const char *class,
				     const char *type);
int mmr_report_diag(struct mmr_report *r, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t mmr_report_package_count(const struct mmr_report *r);
/* Sort results (OS first, then by target) and packages (name, version). */
void mmr_report_sort(struct mmr_report *r);

#endif
