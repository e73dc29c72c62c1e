#!/usr/bin/env bash
# Downloads Keras' full VGG19 convolution weights (…_notop.h5, about 80 MB, every layer up to
# block5_conv4) and keeps them only when their md5 is the published one.
#
#   weights/fetch_vgg19_weights.sh            → weights/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
#   weights/fetch_vgg19_weights.sh DIR/       → DIR/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5
#   weights/fetch_vgg19_weights.sh FILE.h5    → FILE.h5
#
# Nothing is downloaded when the file is already there with the right md5. The download goes to a
# temporary name beside the destination and is renamed into place only when its md5 matches, so a
# failed or corrupt download never replaces anything. NST_VGG19_WEIGHTS_URL overrides the address
# (a mirror); curl or wget fetches it.
set -euo pipefail

readonly NAME="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
readonly URL="${NST_VGG19_WEIGHTS_URL:-https://github.com/fchollet/deep-learning-models/releases/download/v0.1/$NAME}"
readonly MD5="253f8cb515780f3b799900260a226db6"

fail() {
  echo "fetch_vgg19_weights: $*" >&2
  exit 1
}

md5_of() {
  if command -v md5sum >/dev/null; then
    md5sum "$1" | cut -d ' ' -f 1
  elif command -v md5 >/dev/null; then
    md5 -q "$1"
  else
    fail "neither md5sum nor md5 is installed; cannot check the download"
  fi
}

dest="${1:-$(dirname "$0")}"
if [[ -d "$dest" || "$dest" == */ ]]; then
  dest="${dest%/}/$NAME"
fi
mkdir -p "$(dirname "$dest")"

if [[ -f "$dest" ]]; then
  found="$(md5_of "$dest")"
  if [[ "$found" == "$MD5" ]]; then
    echo "fetch_vgg19_weights: $dest is already there (md5 $MD5)"
    exit 0
  fi
  echo "fetch_vgg19_weights: $dest has md5 $found, expected $MD5; downloading it again" >&2
fi

tmp="$(mktemp "$dest.download.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

echo "fetch_vgg19_weights: downloading $URL"
if command -v curl >/dev/null; then
  curl --fail --location --show-error --progress-bar --output "$tmp" "$URL" || fail "download of $URL failed"
elif command -v wget >/dev/null; then
  wget --quiet --show-progress --output-document="$tmp" "$URL" || fail "download of $URL failed"
else
  fail "neither curl nor wget is installed"
fi

found="$(md5_of "$tmp")"
[[ "$found" == "$MD5" ]] || fail "downloaded file has md5 $found, expected $MD5; kept nothing (try again, or fetch $URL by hand)"
mv -f "$tmp" "$dest"
trap - EXIT
echo "fetch_vgg19_weights: saved $dest (md5 $MD5)"
