/**
 * Which photos share a sidecar name and which get their own: the same for a list known up front (`run`)
 * and for photos arriving one by one (`watch`), and never changed by a later run (the manifest's record).
 */
import { describe, expect, it } from 'vitest';
import { SidecarNames, type PriorNames } from '../../src/core/outputs/sidecars/unique-names.js';

const ref = (p: string) => ({ path: `/in/${p}`, file: p });
const own = (names: SidecarNames, files: string[]) => files.filter((f) => names.decide(ref(f)).own);

describe('SidecarNames', () => {
  it.each([
    [['IMG_1.jpg', 'IMG_1.png'], ['IMG_1.png']],
    // A RAW and its one rendered copy are one shot: they share; a second rendering gets its own.
    [['IMG_1.JPG', 'IMG_1.CR2', 'IMG_1.png'], ['IMG_1.png']],
    // Two RAWs of one name: the JPEG renders neither.
    [['IMG_1.JPG', 'IMG_1.CR2', 'IMG_1.NEF'], ['IMG_1.JPG', 'IMG_1.NEF']],
    // Different folders never share.
    [['cardA/IMG_1.jpg', 'cardB/IMG_1.jpg'], []],
  ])('a list known up front %j: own names for %j', (files, expected) => {
    const names = new SidecarNames('default', files.map(ref));
    for (const f of files) names.arrive(ref(f));
    expect(own(names, files)).toEqual(expected);
  });

  it('a RAW pair is owned by the RAW, as before', () => {
    const names = new SidecarNames('default', [ref('IMG_1.JPG'), ref('IMG_1.NEF')]);
    expect(names.decide(ref('IMG_1.JPG'))).toEqual({ own: false, owner: '/in/IMG_1.NEF' });
  });

  it('arriving one by one: the first keeps the shared name, a later same-stem photo gets its own', () => {
    const names = new SidecarNames('default');
    expect(names.arrive(ref('IMG_1.png')).own).toBe(false);
    expect(names.arrive(ref('IMG_1.jpg')).own).toBe(true);
    // Decided once: asking again changes nothing.
    expect(names.decide(ref('IMG_1.png')).own).toBe(false);
  });

  it('a later run over the same folder keeps the names earlier runs wrote, whatever the path order', () => {
    // A watch named IMG_1.png first (shared IMG_1.xmp), then IMG_1.JPG and IMG_1.CR2 (the CR2 wrote into the shared one).
    const written = new Map([['/in/IMG_1.JPG', 'own']]);
    const prior: PriorNames = {
      shared: (p) => (p.file.startsWith('IMG_1.') ? { owner: '/in/IMG_1.png', sharers: ['/in/IMG_1.CR2'] } : undefined),
      ownNamed: (p) => written.get(p.path) === 'own',
    };
    const files = ['IMG_1.CR2', 'IMG_1.JPG', 'IMG_1.png'];
    const names = new SidecarNames('default', files.map(ref), prior);
    expect(files.map((f) => names.decide(ref(f)))).toEqual([
      { own: false, owner: '/in/IMG_1.png' },
      { own: true, owner: '/in/IMG_1.JPG' },
      { own: false, owner: '/in/IMG_1.png' },
    ]);
  });

  it('darktable naming never shares', () => {
    const names = new SidecarNames('darktable', [ref('IMG_1.jpg'), ref('IMG_1.png')]);
    expect(own(names, ['IMG_1.jpg', 'IMG_1.png'])).toEqual([]);
  });
});
