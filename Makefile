# The README's two commands. Both install what is missing first.
#   make demo   build Release and run Vigil's main job
#   make test   build with assertions and run every default test suite
.PHONY: demo test deps format-check gcc

JOBS ?= $(shell nproc)

deps:
	@bash tools/setup-deps.sh

demo: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@bash tools/demo.sh build/release

test: deps
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci -j $(JOBS)
	@bash tools/format-check.sh
	@ctest --preset ci

# The GCC 12 variant (every target compiles, warnings are errors; -O0, no
# debug info, no CUDA); its tests: `ctest --preset gcc`. Not yet part of
# `make test`: the merged tree has not been built with it end to end. Per
# translation unit it costs about the CPU time of the clang -O2 build.
gcc:
	@cmake --preset gcc >/dev/null
	@cmake --build --preset gcc -j $(JOBS)

format-check:
	@bash tools/format-check.sh
