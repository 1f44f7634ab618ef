import { crc32 } from 'node:zlib';

/**
 * Marks an image a model returned as AI-made, inside the file, so it stays marked wherever it is copied.
 * IPTC Photo Metadata 2025.1: Iptc4xmpExt:DigitalSourceType takes a term of the IPTC digital source type
 * vocabulary (https://cv.iptc.org/newscodes/digitalsourcetype/), and Iptc4xmpExt:AISystemUsed names the
 * generator. A photobooth portrait is the guest's photo recomposed by a model: "composite with trained
 * algorithmic media". The prompt is deliberately left out (IPTC's AIPromptInformation is optional, and
 * a prompt can hold a guest's name).
 */
export const DIGITAL_SOURCE_TYPE = {
  composite: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia',
  generated: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
} as const;

export interface AiProvenance {
  /** The model that made the image, e.g. google/gemini-2.5-flash-image. */
  model: string;
  sourceType?: keyof typeof DIGITAL_SOURCE_TYPE;
  /** ISO date of the answer. */
  date: string;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const xml = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"]/g, (c) => XML_ESCAPES[c]!);

export function buildAiXmp(p: AiProvenance): string {
  return `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    Iptc4xmpExt:DigitalSourceType="${DIGITAL_SOURCE_TYPE[p.sourceType ?? 'composite']}"
    Iptc4xmpExt:AISystemUsed="${xml(p.model)}"
    xmp:CreatorTool="photobatch"
    xmp:CreateDate="${xml(p.date)}"/>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`;
}

const XMP_JPEG_NS = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The image with the XMP packet embedded, bytes otherwise untouched (no re-encoding): a JPEG gets an
 * APP1 segment after SOI, a PNG an iTXt chunk "XML:com.adobe.xmp" after IHDR (where ExifTool and
 * Adobe look). Returns undefined for other formats; the caller writes a sidecar instead.
 */
export function embedXmp(image: Buffer, packet: string): Buffer | undefined {
  const body = Buffer.from(packet, 'utf8');
  if (image.length > 4 && image[0] === 0xff && image[1] === 0xd8) {
    if (body.length + XMP_JPEG_NS.length + 2 > 0xffff) return undefined;
    const header = Buffer.alloc(4);
    header.writeUInt16BE(0xffe1, 0);
    header.writeUInt16BE(body.length + XMP_JPEG_NS.length + 2, 2);
    return Buffer.concat([image.subarray(0, 2), header, XMP_JPEG_NS, body, image.subarray(2)]);
  }
  if (image.length > 33 && image.subarray(0, 8).equals(PNG_SIGNATURE) && image.toString('latin1', 12, 16) === 'IHDR') {
    const ihdrEnd = 8 + 12 + image.readUInt32BE(8);
    // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
    const data = Buffer.concat([Buffer.from('XML:com.adobe.xmp\0\0\0\0\0', 'latin1'), body]);
    const type = Buffer.from('iTXt', 'latin1');
    const chunk = Buffer.alloc(12 + data.length);
    chunk.writeUInt32BE(data.length, 0);
    type.copy(chunk, 4);
    data.copy(chunk, 8);
    chunk.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0, 8 + data.length);
    return Buffer.concat([image.subarray(0, ihdrEnd), chunk, image.subarray(ihdrEnd)]);
  }
  return undefined;
}
