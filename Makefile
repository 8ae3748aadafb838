# mamori - a thin wrapper around Meson (the real build is meson.build).
#
#   make run     install missing Debian packages, build, scan this host (`mamori host`)
#   make check   install build+test packages, build with gcc -Werror and with
#                clang ASan+UBSan, run every test; ends with "N passed, N failed"
#   make bench   benchmarks (bench/README.md)
#   make fuzz    build libFuzzer harnesses and fuzz each for FUZZ_SECONDS

BUILD        ?= build
CHECK_BUILD  ?= build-check
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
RUN_ARGS     ?=

.PHONY: all deps test-deps build run check bench fuzz clean

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) src/mamori >/dev/null

run: build
	./$(BUILD)/src/mamori host $(RUN_ARGS)

$(CHECK_BUILD)/build.ninja:
	CC=gcc meson setup $(CHECK_BUILD) --buildtype=debugoptimized -Dwerror=true >/dev/null

$(ASAN_BUILD)/build.ninja:
	CC=clang meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all >/dev/null

check: test-deps $(CHECK_BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	@ninja -C $(CHECK_BUILD) >/dev/null
	@ninja -C $(ASAN_BUILD) >/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		tests/run.py --build $(CHECK_BUILD) --build $(ASAN_BUILD) --cli-build $(ASAN_BUILD)

bench: test-deps build
	@ninja -C $(BUILD) >/dev/null
	bench/run-all $(BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null

fuzz: deps $(FUZZ_BUILD)/build.ninja
	@ninja -C $(FUZZ_BUILD) >/dev/null
	@for f in $(FUZZ_BUILD)/fuzz/fuzz-*; do \
		t=$${f##*/fuzz-}; mkdir -p $(FUZZ_BUILD)/corpus-$$t; \
		echo "fuzzing $$t for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $(FUZZ_BUILD)/corpus-$$t fuzz/corpus/$$t \
			>$(FUZZ_BUILD)/fuzz-$$t.log 2>&1 || { tail -40 $(FUZZ_BUILD)/fuzz-$$t.log; exit 1; }; \
	done

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
