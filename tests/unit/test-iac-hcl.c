/* test-iac-hcl.c - the HCL2 native and JSON syntax parser (lib/iac/iac-hcl.c). */
#include "test-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core-arena.h"
#include "core/core-buf.h"
#include "core/core-error.h"
#include "iac/iac-hcl.h"

static struct mmr_hcl_file *parse(struct mmr_arena *a, const char *src)
{
	struct mmr_hcl_file *f = NULL;
	struct mmr_error e = { 0 };
	int r = mmr_hcl_parse(a, src, strlen(src), "t.tf", NULL, &f, &e);
	if (r < 0)
		fail_msg("parse failed: %s at %lu:%lu", e.msg, e.line, e.col);
	return f;
}

static struct mmr_hcl_expr *attr(const struct mmr_hcl_body *b, const char *name)
{
	for (size_t i = 0; i < b->attrs.n; i++) {
		struct mmr_hcl_attr *at = b->attrs.v[i];
		if (!strcmp(at->name, name))
			return at->expr;
	}
	fail_msg("no attribute %s", name);
	return NULL;
}

static json_t *to_json(const struct mmr_hcl_file *f, const char *src)
{
	return mmr_hcl_to_json(f, src, strlen(src));
}

static void test_blocks_and_positions(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	const char *src = "# comment\n"
			  "resource \"aws_s3_bucket\" \"b\" {\n"
			  "  bucket = \"x\" // trailing\n"
			  "  /* block\n     comment */\n"
			  "  versioning {\n"
			  "    enabled = true\n"
			  "  }\n"
			  "}\n"
			  "locals { a = 1 }\n";
	struct mmr_hcl_file *f = parse(a, src);
	assert_int_equal(f->body->blocks.n, 2);
	struct mmr_hcl_block *b = f->body->blocks.v[0];
	assert_string_equal(b->type, "resource");
	assert_int_equal(b->labels.n, 2);
	assert_string_equal(b->labels.v[0], "aws_s3_bucket");
	assert_string_equal(b->labels.v[1], "b");
	assert_int_equal(b->range.start.line, 2);
	assert_int_equal(b->range.end.line, 9);
	struct mmr_hcl_attr *at = b->body->attrs.v[0];
	assert_string_equal(at->name, "bucket");
	assert_int_equal(at->range.start.line, 3);
	assert_int_equal(at->range.start.col, 3);
	assert_int_equal(at->expr->range.start.col, 12);
	assert_int_equal(at->expr->range.start.byte, (unsigned long)(strstr(src, "\"x\"") - src));
	struct mmr_hcl_block *v = b->body->blocks.v[0];
	assert_string_equal(v->type, "versioning");
	assert_int_equal(v->range.start.line, 6);
	assert_int_equal(v->range.end.line, 8);
	/* comments are kept with their lines */
	assert_int_equal(f->comments.n, 3);
	struct mmr_hcl_comment *c = f->comments.v[1];
	assert_string_equal(c->text, "trailing");
	assert_int_equal(c->line, 3);
	c = f->comments.v[2];
	assert_int_equal(c->line, 4);
	assert_int_equal(c->end_line, 5);
	json_t *j = to_json(f, src);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(json_array_get(
		json_object_get(json_object_get(json_object_get(j, "resource"), "aws_s3_bucket"), "b"), 0),
		"versioning"), 0), "enabled")));
	json_decref(j);
	mmr_arena_free(a);
}

static void test_strings_heredocs(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	const char *src = "a = \"tab\\tq\\\"u\\u00e9\\U0001F600 $${lit} %%{lit}\"\n"
			  "b = <<EOT\n  keep ${x}\n  indent\nEOT\n"
			  "c = <<-EOT\n    strip\n      two\n    EOT\n"
			  "d = \"${x}\"\n"
			  "e = \"pre-${x}-post\"\n";
	struct mmr_hcl_file *f = parse(a, src);
	struct mmr_hcl_expr *e = attr(f->body, "a");
	assert_int_equal(e->kind, MMR_HCL_STRING);
	assert_string_equal(e->str, "tab\tq\"u\xc3\xa9\xf0\x9f\x98\x80 ${lit} %{lit}");
	e = attr(f->body, "b");
	assert_int_equal(e->kind, MMR_HCL_TEMPLATE);
	assert_int_equal(e->items.n, 3);
	assert_string_equal(((struct mmr_hcl_expr *)e->items.v[0])->str, "  keep ");
	assert_string_equal(((struct mmr_hcl_expr *)e->items.v[2])->str, "\n  indent\n");
	e = attr(f->body, "c");
	assert_int_equal(e->kind, MMR_HCL_STRING);
	assert_string_equal(e->str, "strip\n  two\n");
	assert_int_equal(attr(f->body, "d")->kind, MMR_HCL_TEMPLATE_WRAP);
	e = attr(f->body, "e");
	assert_int_equal(e->kind, MMR_HCL_TEMPLATE);
	assert_int_equal(e->items.n, 3);
	mmr_arena_free(a);
}

static void test_directives_strip(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	const char *src = "t = <<EOT\n"
			  "%{ for i, v in xs ~}\n"
			  "  ${i}=${v}\n"
			  "%{~ endfor }\n"
			  "%{if c}yes%{else}no%{endif}\n"
			  "EOT\n";
	struct mmr_hcl_file *f = parse(a, src);
	struct mmr_hcl_expr *e = attr(f->body, "t");
	assert_int_equal(e->kind, MMR_HCL_TEMPLATE);
	struct mmr_hcl_expr *fr = e->items.v[0];
	assert_int_equal(fr->kind, MMR_HCL_TPL_FOR);
	assert_string_equal(fr->kvar, "i");
	assert_string_equal(fr->vvar, "v");
	/* `~}` stripped the newline + indent before ${i}; `%{~` the one after ${v} */
	assert_int_equal(fr->b->kind, MMR_HCL_TEMPLATE);
	assert_int_equal(((struct mmr_hcl_expr *)fr->b->items.v[0])->kind, MMR_HCL_VAR);
	assert_int_equal(fr->b->items.n, 3);
	struct mmr_hcl_expr *iff = NULL;
	for (size_t i = 0; i < e->items.n; i++)
		if (((struct mmr_hcl_expr *)e->items.v[i])->kind == MMR_HCL_TPL_IF)
			iff = e->items.v[i];
	assert_non_null(iff);
	assert_string_equal(iff->b->str, "yes");
	assert_string_equal(iff->c->str, "no");
	mmr_arena_free(a);
}

static void test_expressions(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	const char *src =
		"p = 1 + 2 * 3 == 7 && !false || x\n"
		"c = a ? b : c ? d : e\n"
		"f = [for k, v in m : upper(v) if k != \"x\"]\n"
		"g = {for s in l : s.k => s.v... if s.ok}\n"
		"s = aws_instance.w[*].id\n"
		"t = aws_instance.w.*.tags.Name\n"
		"i = var.m[\"k\"][0].x\n"
		"l = var.list.0\n"
		"n = f(a, b...)\n"
		"o = { a = 1, \"b\" = 2, (var.k) = 3, c : 4\n d = -5 }\n"
		"u = [\n  1,\n  2,\n]\n"
		"x = provider::aws::arn_parse(\"a\")\n";
	struct mmr_hcl_file *f = parse(a, src);
	struct mmr_hcl_expr *e = attr(f->body, "p");
	/* ((((1 + (2*3)) == 7) && !false) || x) */
	assert_int_equal(e->kind, MMR_HCL_BINARY);
	assert_int_equal(e->op, MMR_HCL_OP_OR);
	assert_int_equal(e->a->op, MMR_HCL_OP_AND);
	assert_int_equal(e->a->a->op, MMR_HCL_OP_EQ);
	assert_int_equal(e->a->a->a->op, MMR_HCL_OP_ADD);
	assert_int_equal(e->a->a->a->b->op, MMR_HCL_OP_MUL);
	assert_int_equal(e->a->b->kind, MMR_HCL_UNARY);
	e = attr(f->body, "c");
	assert_int_equal(e->kind, MMR_HCL_COND);
	assert_int_equal(e->c->kind, MMR_HCL_COND);
	e = attr(f->body, "f");
	assert_int_equal(e->kind, MMR_HCL_FOR);
	assert_false(e->is_object);
	assert_string_equal(e->kvar, "k");
	assert_non_null(e->d);
	e = attr(f->body, "g");
	assert_true(e->is_object);
	assert_true(e->group);
	assert_null(e->kvar);
	e = attr(f->body, "s");
	assert_int_equal(e->kind, MMR_HCL_SPLAT);
	assert_int_equal(e->b->kind, MMR_HCL_GETATTR);
	assert_int_equal(e->b->a->kind, MMR_HCL_SPLAT_ITEM);
	e = attr(f->body, "t");
	assert_int_equal(e->kind, MMR_HCL_SPLAT);
	assert_string_equal(e->b->name, "Name");
	e = attr(f->body, "i");
	assert_int_equal(e->kind, MMR_HCL_GETATTR);
	assert_int_equal(e->a->kind, MMR_HCL_INDEX);
	e = attr(f->body, "l");
	assert_int_equal(e->kind, MMR_HCL_INDEX);
	assert_int_equal(e->b->kind, MMR_HCL_NUMBER);
	e = attr(f->body, "n");
	assert_int_equal(e->kind, MMR_HCL_CALL);
	assert_true(e->expand);
	assert_int_equal(e->items.n, 2);
	e = attr(f->body, "o");
	assert_int_equal(e->kind, MMR_HCL_OBJECT);
	assert_int_equal(e->items.n, 5);
	assert_int_equal(((struct mmr_hcl_expr *)e->keys.v[2])->kind, MMR_HCL_PAREN);
	e = attr(f->body, "u");
	assert_int_equal(e->items.n, 2);
	assert_string_equal(attr(f->body, "x")->name, "provider::aws::arn_parse");
	struct mmr_vec tr = { 0 };
	mmr_hcl_expr_traversals(a, attr(f->body, "i"), &tr);
	assert_int_equal(tr.n, 1);
	assert_string_equal(tr.v[0], "var.m");
	mmr_arena_free(a);
}

struct bad {
	const char *src;
	unsigned long line, col;
	const char *msg;
};

static void test_errors(void **state)
{
	static const struct bad cases[] = {
		{ "a = \n", 1, 5, "expected an expression" },
		{ "resource \"x\" {\n  a = 1\n", 3, 1, "unclosed block" },
		{ "a = \"abc\n", 1, 9, "newline in a quoted string" },
		{ "a = <<EOT\nxx\n", 1, 5, "unterminated heredoc" },
		{ "a = 1 b = 2\n", 1, 7, "expected a newline" },
		{ "a = 1\na = 2\n", 2, 1, "redefined" },
		{ "x {\n  a = 1}\n", 2, 8, "expected a newline" },
		{ "a = \"${x\"\n", 1, 9, "expected '}'" },
		{ "a = \"%{if x}y\"\n", 1, 14, "without a matching" },
		{ "a = [1, 2\n", 2, 1, "expected" },
		{ "a = \"\\q\"\n", 1, 6, "invalid escape" },
		{ "}\n", 1, 1, "unexpected '}'" },
		{ "/* open\n", 1, 1, "unterminated /* comment" },
		{ "a = {for x in y : x}\n", 1, 20, "'=>'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mmr_arena *a = mmr_arena_new(0);
		struct mmr_hcl_file *f = NULL;
		struct mmr_error e = { 0 };
		int r = mmr_hcl_parse(a, cases[i].src, strlen(cases[i].src), "bad.tf", NULL, &f, &e);
		if (r != -EBADMSG || !strstr(e.msg, cases[i].msg) || e.line != cases[i].line ||
		    (cases[i].col && e.col != cases[i].col))
			fail_msg("case %zu (%s): r=%d %lu:%lu %s", i, cases[i].src, r, e.line, e.col, e.msg);
		assert_string_equal(e.file, "bad.tf");
		mmr_arena_free(a);
	}
}

static void test_limits(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	size_t n = 100000;
	char *s = malloc(2 * n + 8);
	memcpy(s, "a = ", 4);
	memset(s + 4, '[', n);
	memset(s + 4 + n, ']', n);
	s[4 + 2 * n] = 0;
	struct mmr_hcl_file *f = NULL;
	struct mmr_error e = { 0 };
	struct mmr_hcl_limits lim = { .max_depth = 64 };
	assert_int_equal(mmr_hcl_parse(a, s, strlen(s), "deep.tf", &lim, &f, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "nesting"));
	/* blocks nest too */
	struct mmr_buf b;
	mmr_buf_init(&b, 1 << 20);
	for (int i = 0; i < 300; i++)
		mmr_buf_adds(&b, "x {\n");
	assert_int_equal(mmr_hcl_parse(a, b.p, b.len, "deep.tf", &lim, &f, &e), -E2BIG);
	mmr_buf_release(&b);
	/* node count */
	lim = (struct mmr_hcl_limits){ .max_nodes = 50 };
	const char *many = "a = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,"
			   "26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51]\n";
	assert_int_equal(mmr_hcl_parse(a, many, strlen(many), "n.tf", &lim, &f, &e), -E2BIG);
	/* size */
	lim = (struct mmr_hcl_limits){ .max_size = 10 };
	assert_int_equal(mmr_hcl_parse(a, many, strlen(many), "n.tf", &lim, &f, &e), -E2BIG);
	free(s);
	mmr_arena_free(a);
}

static void test_json_syntax(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	const char *src = "{\n"
			  " \"resource\": {\"aws_s3_bucket\": {\"b\": {\n"
			  "   \"bucket\": \"pre-${var.x}\",\n"
			  "   \"tags\": {\"a\": \"b\"},\n"
			  "   \"versioning\": [{\"enabled\": true}],\n"
			  "   \"count\": 2\n"
			  " }}},\n"
			  " \"variable\": {\"x\": {\"default\": \"${not_a_template}\", \"type\": \"string\"}},\n"
			  " \"locals\": {\"l\": \"${1 + 2}\"}\n"
			  "}\n";
	struct mmr_hcl_file *f = NULL;
	struct mmr_error e = { 0 };
	assert_int_equal(mmr_hcl_json_parse(a, src, strlen(src), "m.tf.json", NULL, &f, &e), 0);
	assert_int_equal(f->body->blocks.n, 3);
	struct mmr_hcl_block *r = f->body->blocks.v[0];
	assert_string_equal(r->type, "resource");
	assert_int_equal(r->labels.n, 2);
	assert_int_equal(r->range.start.line, 2);
	assert_int_equal(attr(r->body, "bucket")->kind, MMR_HCL_TEMPLATE);
	assert_int_equal(attr(r->body, "bucket")->range.start.line, 3);
	assert_int_equal(attr(r->body, "tags")->kind, MMR_HCL_OBJECT);
	assert_int_equal(r->body->blocks.n, 1);
	assert_string_equal(((struct mmr_hcl_block *)r->body->blocks.v[0])->type, "versioning");
	struct mmr_hcl_block *v = f->body->blocks.v[1];
	assert_int_equal(attr(v->body, "default")->kind, MMR_HCL_STRING);
	assert_int_equal(attr(v->body, "type")->kind, MMR_HCL_VAR);
	struct mmr_hcl_block *l = f->body->blocks.v[2];
	assert_int_equal(attr(l->body, "l")->kind, MMR_HCL_TEMPLATE_WRAP);
	/* errors name line:col */
	const char *bad = "{\n \"resource\": {\n  \"x\": [1,}\n}";
	assert_int_equal(mmr_hcl_json_parse(a, bad, strlen(bad), "bad.tf.json", NULL, &f, &e), -EBADMSG);
	assert_int_equal(e.line, 3);
	mmr_arena_free(a);
}

static void test_expr_and_template_entry(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_hcl_expr *e = NULL;
	struct mmr_error err = { 0 };
	assert_int_equal(mmr_hcl_parse_expr(a, "[\"a\",\n \"b\"]", 11, "v", NULL, &e, &err), 0);
	assert_int_equal(e->kind, MMR_HCL_TUPLE);
	assert_int_equal(mmr_hcl_parse_expr(a, "1 2", 3, "v", NULL, &e, &err), -EBADMSG);
	struct mmr_hcl_pos p = { 1, 1, 0 };
	assert_int_equal(mmr_hcl_parse_template(a, "x ${a} %{if b}y%{endif}", 23, "t", p, NULL, &e, &err), 0);
	assert_int_equal(e->kind, MMR_HCL_TEMPLATE);
	assert_int_equal(mmr_hcl_parse_template(a, "%{endif}", 8, "t", p, NULL, &e, &err), -EBADMSG);
	mmr_arena_free(a);
}

/* Every .tf of the corpora parses, except the files HashiCorp's parser
 * rejects too (see tests/cli/test_hcl_differential.py for the full check). */
static void test_corpora_parse(void **state)
{
	static const char *const files[] = {
		"iac/terragoat/terraform/aws/s3.tf",
		"iac/terragoat/terraform/aws/ec2.tf",
		"iac/terragoat/terraform/azure/storage.tf",
		"iac/terragoat/terraform/gcp/big_data.tf",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		uint8_t *d = mmr_test_read(mmr_test_corpus(files[i]), &len);
		struct mmr_arena *a = mmr_arena_new(0);
		struct mmr_hcl_file *f = NULL;
		struct mmr_error e = { 0 };
		int r = mmr_hcl_parse(a, d, len, files[i], NULL, &f, &e);
		if (r < 0)
			fail_msg("%s: %s at %lu:%lu", files[i], e.msg, e.line, e.col);
		assert_true(f->body->blocks.n > 0);
		mmr_arena_free(a);
		free(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocks_and_positions),
		cmocka_unit_test(test_strings_heredocs),
		cmocka_unit_test(test_directives_strip),
		cmocka_unit_test(test_expressions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_json_syntax),
		cmocka_unit_test(test_expr_and_template_entry),
		cmocka_unit_test(test_corpora_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
