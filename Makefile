# The README's two commands. Both install what is missing first.
#   make demo   build Release and run Vigil's main job
#   make test   build with assertions and run every default test suite, then
#               compile every target with Debian's default compiler (GCC 12)
.PHONY: demo test deps format-check gcc gcc-check

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
	@$(MAKE) --no-print-directory gcc-check

# GCC 12, Debian's default compiler, over every target (CUDA where nvcc is),
# warnings as errors, no optimisation (the cheapest full compile, so CI can
# afford it on every run); then the Ed25519 and SHA-2 vectors through every
# CPU engine of that build, so both compilers give the same verdicts. Every
# suite passes on a GCC Release build (`cmake -S . -B build`, then `ctest
# --test-dir build`); at -O0 the long differential tests run past their timeouts.
gcc:
	@cmake --preset gcc >/dev/null
	@cmake --build --preset gcc -j $(JOBS)

gcc-check: gcc
	@ctest --preset gcc -R '^(ed25519_vectors_test|sha2_test)[.]' --output-on-failure

format-check:
	@bash tools/format-check.sh
