import { describe, expect, it } from 'vitest';
import { describeMetadata } from '../../src/core/prompt/metadata-context.js';

describe('describeMetadata', () => {
  it('names from MWG and Microsoft face regions and PersonInImage, once each; places by name only', () => {
    const text = describeMetadata({
      PersonInImage: ['Minh Tran'],
      RegionInfo: { RegionList: [{ Name: 'Lan Nguyen', Type: 'Face' }, { Name: 'A pet', Type: 'Pet' }, { Name: 'minh tran', Type: 'Face' }] },
      RegionInfoMP: { Regions: [{ PersonDisplayName: 'Bao Le', Rectangle: '0.1, 0.1, 0.2, 0.2' }] },
      LocationShown: [{ City: 'Huế', CountryName: 'Vietnam', GPSLatitude: 16.46, GPSLongitude: 107.59 }],
      GPSLatitude: 16.46,
      GPSPosition: '16.46 107.59',
    });
    expect(text).toBe('People in the photo: Minh Tran, Lan Nguyen, Bao Le\nPlace: Huế, Vietnam');
    expect(text).not.toMatch(/16\.46|107\.59/);
  });

  it('nothing to say is undefined, not an empty line', () => {
    expect(describeMetadata({})).toBeUndefined();
    expect(describeMetadata({ Subject: [], Description: '   ' })).toBeUndefined();
  });
});
