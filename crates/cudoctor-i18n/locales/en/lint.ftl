# Titles of `cudoctor lint` findings (made by cudoctor-setup). Only the titles are keyed here:
# cudoctor-setup does not attach these keys yet, so nothing checks them against its English
# text; keep them in step with crates/cudoctor-setup/src/lint.rs by hand.

lint-floating-tag-title = `FROM { $image }` floats: { $why }
lint-floating-tag-title-arg = the tag of `{ $raw }` is unknown: it comes from build ARG `{ $name }`
lint-base-cuda-mismatch-title = { $name }=={ $version } cannot use the CUDA of `{ $image }`
lint-cuda-overwritten-title = { $what } over the official { $framework } image `{ $image }`
lint-unpinned-framework-title = `pip install { $name }` is not pinned with `==`
lint-missing-nvidia-env-title = `{ $image }` is neither nvidia/cuda nor an official framework image, and sets no NVIDIA_VISIBLE_DEVICES
lint-ld-library-path-empty-entry-title = `LD_LIBRARY_PATH={ $v }` has an empty entry
