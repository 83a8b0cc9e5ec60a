import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** An image a run produced, as returned to the client (and, without `data_base64`, to the model). */
export type CodeExecuteImage =
  | { filename: string; media_type: string; data_base64: string }
  | { filename: string; skipped: true; reason: string };

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

/** Identity of each image file in a work dir before a run: name → modification time and size. */
export type ImageSnapshot = ReadonlyMap<string, string>;

/** Lists the regular image files of `dir` (not symlinks: see `collectImages`). */
async function listImages(dir: string): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return images;
  }
  for (const name of names) {
    if (MEDIA_TYPES[extname(name).toLowerCase()] === undefined) continue;
    try {
      const stats = await lstat(join(dir, name), { bigint: true });
      if (stats.isFile()) images.set(name, `${stats.mtimeNs}:${stats.size}`);
    } catch {
      // Removed between readdir and lstat: not an image of this run.
    }
  }
  return images;
}

/** Records the image files present before a run, so only new or changed ones are returned. */
export function snapshotImages(dir: string): Promise<ImageSnapshot> {
  return listImages(dir);
}

/**
 * Collects the images a run created or modified in the root of its work dir, sorted by name:
 * at most `maxImages`, each at most `maxBase64Bytes` once encoded; the others are listed as
 * skipped with the reason.
 *
 * Files are opened with O_NOFOLLOW and symlinks are ignored: the work dir is writable by the
 * code, and the gateway may have more rights than the code, so a link named `plot.png`
 * pointing at a secret must never be read and handed back.
 */
export async function collectImages(
  dir: string,
  before: ImageSnapshot,
  limits: { maxImages: number; maxBase64Bytes: number },
): Promise<CodeExecuteImage[]> {
  const after = await listImages(dir);
  const changed = [...after]
    .filter(([name, identity]) => before.get(name) !== identity)
    .map(([name]) => name)
    .sort();
  const images: CodeExecuteImage[] = [];
  for (const filename of changed) {
    if (images.filter((image) => !('skipped' in image)).length >= limits.maxImages) {
      images.push({ filename, skipped: true, reason: `exceeds max_images (${limits.maxImages})` });
      continue;
    }
    const image = await readImage(dir, filename, limits.maxBase64Bytes);
    if (image !== null) images.push(image);
  }
  return images;
}

async function readImage(
  dir: string,
  filename: string,
  maxBase64Bytes: number,
): Promise<CodeExecuteImage | null> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO swapped in after the listing must not block the gateway on open.
    handle = await open(
      join(dir, filename),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch {
    return null; // replaced by a link or removed since the listing
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return null;
    const encodedSize = Math.ceil(stats.size / 3) * 4;
    if (encodedSize > maxBase64Bytes) {
      return {
        filename,
        skipped: true,
        reason: `exceeds max_image_base64_bytes (${encodedSize} > ${maxBase64Bytes})`,
      };
    }
    const data = await handle.readFile();
    const mediaType = MEDIA_TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream';
    return { filename, media_type: mediaType, data_base64: data.toString('base64') };
  } finally {
    await handle.close();
  }
}
