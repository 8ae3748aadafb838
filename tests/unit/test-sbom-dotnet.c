/* test-sbom-dotnet.c - NuGet packages.lock.json and .deps.json. */
#include "test-util.h"

#include <errno.h>
#include <string.h>

static bool has_dep(const struct mmr_package *p, const char *id)
{
	for (size_t i = 0; i < p->depends_on.n; i++)
		if (strcmp(p->depends_on.v[i], id) == 0)
			return true;
	return false;
}

static void test_simple(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "nuget-lock", "src/app/packages.lock.json",
					  "image/dotnet/packages_lock_simple.json", NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "Newtonsoft.Json@12.0.3\nNuGet.Frameworks@5.7.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "Newtonsoft.Json", NULL);
	assert_int_equal(p->relation, MMR_DEP_DIRECT);
	assert_int_equal(p->eco, MMR_ECO_NUGET);
	assert_int_equal(p->line_start, 5);
	assert_int_equal(p->line_end, 10);
	mmr_arena_free(a);
}

/* trivy nuget/lock nuGetMultiTarget: 40, deduplicated across 5 frameworks */
static void test_multi(void **state)
{
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze(a, &ctx, "nuget-lock", "packages.lock.json",
					  "image/dotnet/packages_lock_multi.json", NULL),
			 0);
	assert_string_equal(
		mmr_test_pkglist(a, &ctx),
		"AWSSDK.Core@3.5.1.30\nMicrosoft.Bcl.AsyncInterfaces@1.1.0\nMicrosoft.CSharp@4.3.0\n"
		"Microsoft.NETCore.Platforms@1.1.0\nMicrosoft.NETCore.Targets@1.1.0\n"
		"Microsoft.NETFramework.ReferenceAssemblies.net20@1.0.0\n"
		"Microsoft.NETFramework.ReferenceAssemblies.net40@1.0.0\n"
		"Microsoft.NETFramework.ReferenceAssemblies@1.0.0\nNETStandard.Library@1.6.1\n"
		"NETStandard.Library@2.0.3\nNewtonsoft.Json@12.0.3\nSystem.Collections@4.3.0\n"
		"System.ComponentModel.Primitives@4.3.0\nSystem.ComponentModel.TypeConverter@4.3.0\n"
		"System.ComponentModel@4.3.0\nSystem.Diagnostics.Debug@4.3.0\n"
		"System.Diagnostics.Tools@4.3.0\nSystem.Dynamic.Runtime@4.3.0\n"
		"System.Globalization@4.3.0\nSystem.IO@4.3.0\nSystem.Linq.Expressions@4.3.0\n"
		"System.Linq@4.3.0\nSystem.Net.Primitives@4.3.0\nSystem.ObjectModel@4.3.0\n"
		"System.Reflection.Extensions@4.3.0\nSystem.Reflection.Primitives@4.3.0\n"
		"System.Reflection@4.3.0\nSystem.Resources.ResourceManager@4.3.0\n"
		"System.Runtime.CompilerServices.Unsafe@4.5.2\nSystem.Runtime.Extensions@4.3.0\n"
		"System.Runtime.Serialization.Primitives@4.3.0\nSystem.Runtime@4.3.0\n"
		"System.Text.Encoding.Extensions@4.3.0\nSystem.Text.Encoding@4.3.0\n"
		"System.Text.RegularExpressions@4.3.0\nSystem.Threading.Tasks.Extensions@4.5.2\n"
		"System.Threading.Tasks@4.3.0\nSystem.Threading@4.3.0\nSystem.Xml.ReaderWriter@4.3.0\n"
		"System.Xml.XDocument@4.3.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "Microsoft.NETFramework.ReferenceAssemblies", NULL);
	assert_true(has_dep(p, "Microsoft.NETFramework.ReferenceAssemblies.net20@1.0.0"));
	assert_int_equal(mmr_test_find(&ctx, "System.Xml.XDocument", NULL)->relation,
			 MMR_DEP_INDIRECT);
	mmr_arena_free(a);
}

static void test_lock_edge(void **state)
{
	const char *t = "{\"version\":1,\"dependencies\":{\"net6.0\":{"
			"\"A\":{\"type\":\"Direct\",\"resolved\":\"1.0.0\",\"dependencies\":{\"B\":\"[2.0.0, )\",\"P\":\"1.0.0\"}},"
			"\"B\":{\"type\":\"Transitive\",\"resolved\":\"2.1.0\"},"
			"\"P\":{\"type\":\"Project\"},\"Q\":5,\"R\":{\"type\":\"Direct\"}},"
			"\"net8.0\":[1]}}";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(
		mmr_test_analyze_mem(a, &ctx, "nuget-lock", "packages.lock.json", t, strlen(t), NULL),
		0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "A@1.0.0\nB@2.1.0\n");
	struct mmr_package *p = mmr_test_find(&ctx, "A", NULL);
	assert_int_equal(p->depends_on.n, 1);
	assert_true(has_dep(p, "B@2.1.0"));
	struct mmr_error e = { 0 };
	const char *bad = "{\"dependencies\": 5}";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "nuget-lock", "packages.lock.json", bad,
					      strlen(bad), &e),
			 -EBADMSG);
	assert_string_equal(e.file, "packages.lock.json");
	const char *trunc = "{\n\"dependencies\": {\n\"x\":";
	memset(&e, 0, sizeof(e));
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "nuget-lock", "packages.lock.json", trunc,
					      strlen(trunc), &e),
			 -EBADMSG);
	assert_int_equal(e.line, 3);
	mmr_arena_free(a);
}

static void test_deps_json(void **state)
{
	const char *t = "{\n  \"runtimeTarget\": {\"name\": \".NETCoreApp,Version=v6.0\"},\n"
			"  \"targets\": {\n    \".NETCoreApp,Version=v6.0\": {\n"
			"      \"app/1.0.0\": {\"dependencies\": {\"Newtonsoft.Json\": \"13.0.1\", \"lib\": \"1.0.0\"}},\n"
			"      \"Newtonsoft.Json/13.0.1\": {\"dependencies\": {\"System.Memory\": \"4.5.4\"}},\n"
			"      \"System.Memory/4.5.4\": {}\n    }\n  },\n"
			"  \"libraries\": {\n"
			"    \"app/1.0.0\": {\"type\": \"project\", \"serviceable\": false},\n"
			"    \"Newtonsoft.Json/13.0.1\": {\n      \"type\": \"package\",\n"
			"      \"serviceable\": true\n    },\n"
			"    \"System.Memory/4.5.4\": {\"type\": \"package\"},\n"
			"    \"lib/1.0.0\": {\"type\": \"project\"},\n"
			"    \"broken\": {\"type\": \"package\"},\n    \"/1.0\": {\"type\": \"package\"},\n"
			"    \"x/\": {\"type\": \"package\"},\n    \"y/2\": 5\n  }\n}\n";
	struct mmr_arena *a = mmr_arena_new(0);
	struct mmr_sbom_ctx ctx;
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dotnet-deps", "app/app.deps.json", t,
					      strlen(t), NULL),
			 0);
	assert_string_equal(mmr_test_pkglist(a, &ctx), "Newtonsoft.Json@13.0.1\nSystem.Memory@4.5.4\n");
	struct mmr_package *p = mmr_test_find(&ctx, "Newtonsoft.Json", NULL);
	assert_int_equal(p->line_start, 12);
	assert_int_equal(p->line_end, 15);
	assert_true(has_dep(p, "System.Memory@4.5.4"));
	assert_int_equal(p->eco, MMR_ECO_NUGET);

	struct mmr_error e = { 0 };
	const char *bad = "{\"libraries\": [1]}";
	assert_int_equal(mmr_test_analyze_mem(a, &ctx, "dotnet-deps", "a.deps.json", bad,
					      strlen(bad), &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "libraries"));

	const struct mmr_sbom_analyzer *d = mmr_sbom_analyzer_find("dotnet-deps");
	assert_true(d->match("app/web.deps.json", 0100644, 1));
	assert_false(d->match("app/.deps.json", 0100644, 1));
	assert_false(d->match("app/deps.json", 0100644, 1));
	assert_int_equal(d->targets, MMR_SBOM_SOURCE | MMR_SBOM_INSTALLED);
	const struct mmr_sbom_analyzer *l = mmr_sbom_analyzer_find("nuget-lock");
	assert_true(l->match("x/packages.lock.json", 0100644, 1));
	assert_int_equal(l->targets, MMR_SBOM_SOURCE);
	mmr_arena_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_lock_edge),
		cmocka_unit_test(test_deps_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
