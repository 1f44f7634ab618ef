/**
 * Words that must never become keywords: the photo's own metadata carries them exactly, and stock
 * agencies reject them as "technical metadata" (Adobe Stock CSV requirements: "avoid technical
 * metadata"; Shutterstock title and keyword guidelines: never "camera information").
 */

// Camera and lens makers as they appear in EXIF Make or in a model's answer ("Canon", "NIKON CORPORATION").
// Names that are also ordinary words ("apple", "pixel", "fuji" the mountain, "sigma") only count with a model number.
const MAKERS_ALONE = [
  'canon', 'nikon', 'sony', 'fujifilm', 'olympus', 'om system', 'panasonic', 'lumix', 'leica', 'pentax', 'hasselblad',
  'phase one', 'gopro', 'dji', 'konica minolta', 'minolta', 'mamiya', 'tamron', 'iphone',
];
const MAKERS_WITH_MODEL = ['apple', 'google pixel', 'pixel', 'fuji', 'sigma', 'ricoh', 'samsung', 'galaxy', 'huawei', 'xiaomi', 'oneplus', 'kodak', 'casio', 'zeiss', 'hmd', 'nokia'];
const alt = (list: string[]) => list.map((m) => m.replace(/ /g, '\\s+')).join('|');
const SUFFIX = '(?:\\s+(?:corporation|corp\\.?|imaging|camera|inc\\.?))?';
const MODEL = '\\s+(?:[a-z-]*\\d[\\w-]*|[a-z]{1,2}(?=\\s+\\d)|eos|alpha|galaxy|lumix|powershot|coolpix|cyber-shot)(?:\\s+[\\w-]+)*';
// "Canon", "Canon EOS R5", "Nikon Z 6", "Sony A7 III", "iPhone 15 Pro", "Pixel 8", "Samsung Galaxy S24".
const CAMERA_RE = new RegExp(`^(?:(?:${alt(MAKERS_ALONE)})${SUFFIX}(?:${MODEL})?|(?:${alt(MAKERS_WITH_MODEL)})${SUFFIX}${MODEL})$`, 'i');
const CAMERA_WORDS_RE = /^(?:eos\s+\w+|dslr|slr|mirrorless(?:\s+camera)?|\d+\s*mm(?:\s+lens)?|f\/?\d+(?:\.\d+)?|iso\s*\d+|1\/\d+\s*s?)$/i;

// IMG_0001, DSC_1234, DSCN0010, _MG_1234, P1010001, GOPR0001, PXL_20240210_..., or anything with a photo extension.
const FILE_NAME_RE =
  /^(?:img|dsc[nfr]?|_mg|_dsc|mvimg|pxl|gopr|dji|p\d{3})[_-]?\d{3,}[\w-]*$|\.(?:jpe?g|png|webp|gif|avif|tiff?|heic|heif|cr[23w]|nef|arw|dng|raf|orf|rw2|xmp)$/i;

export function looksLikeCamera(keyword: string): boolean {
  const k = keyword.trim();
  return CAMERA_RE.test(k) || CAMERA_WORDS_RE.test(k);
}

export function looksLikeFileName(keyword: string): boolean {
  return FILE_NAME_RE.test(keyword.trim());
}
