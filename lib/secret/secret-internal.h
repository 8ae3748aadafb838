/* secret-internal.h - the compiled rule model shared by the loader
 * (secret-rules.c) and the engine (secret-engine.c). Not a public API. */
#ifndef MMR_SECRET_INTERNAL_H
#define MMR_SECRET_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs/hs.h>
#include <pcre2.h>

#include "core/core-hash.h"
#include "secret/secret.h"

enum mmr_secret_target { MMR_SECRET_T_SECRET, MMR_SECRET_T_MATCH, MMR_SECRET_T_LINE };

struct mmr_secret_allowlist {
	enum mmr_secret_target target;
	bool and;                      /* condition = "AND" */
	pcre2_code **regexes;
	size_t nregexes;
	pcre2_code **paths;
	size_t npaths;
	char **stopwords;              /* lower-cased */
	size_t nstopwords;
	char **commits;
	size_t ncommits;
	char **target_rules;           /* global allowlists only; empty: all rules */
	size_t ntarget_rules;
};

enum mmr_secret_pf { MMR_SECRET_PF_KEYWORDS, MMR_SECRET_PF_HS, MMR_SECRET_PF_NONE, MMR_SECRET_PF_PATH };

struct mmr_secret_rule {
	char *id, *description;
	char **tags;                   /* NULL-terminated */
	char **keywords;               /* lower-cased */
	size_t nkeywords;
	char *regex;                   /* PCRE2 text (translated), NULL for path-only */
	pcre2_code *re;
	pcre2_code *re_at;             /* anchored rules: re compiled PCRE2_ANCHORED (JIT) */
	pcre2_code *path;
	int secret_group;
	double entropy;
	enum mmr_severity severity;
	bool multiline;                /* the regex can cross lines */
	bool anchored;                 /* every match starts with a keyword: tried there only */
	enum mmr_secret_pf pf;
	char *note;
	struct mmr_secret_allowlist *al;
	size_t nal;
};

struct mmr_secret_rules {
	struct mmr_secret_rule *rules;
	size_t n;
	struct mmr_secret_allowlist *al; /* global */
	size_t nal;
	hs_database_t *db;             /* NULL when no pattern is prefiltered */
	unsigned *hs_rule;             /* pattern id -> rule index */
	unsigned *hs_kwlen;            /* pattern id -> length of a keyword a match can start
					  with (anchored rules), else 0 */
	size_t nhs;
	size_t *always;                /* rules run by PCRE2 over the whole buffer */
	size_t nalways;
	pcre2_match_context *mctx;
	char digest[MMR_SHA256_HEX_LEN + 1];
};

int mmr_secret_compile_engine(struct mmr_secret_rules *rs, struct mmr_error *reterr);
pcre2_code *mmr_secret_pcre_compile(const char *pattern, char *err, size_t errlen);

/* secret-git.c: "YYYY-MM-DD[THH:MM[:SS]][Z]" (UTC) to seconds since the epoch. */
int mmr_secret_git_parse_date(const char *s, int64_t *ret);

#endif
