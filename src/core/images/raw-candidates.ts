/** Where a RAW keeps a JPEG, as its structure declares it (not yet checked). */
export interface Candidate {
  offset: number;
  length: number;
}

export interface Found {
  candidates: Candidate[];
  /** The RAW's own EXIF orientation (IFD0, CR3's CMT1); previews are stored unrotated. */
  orientation?: number;
}
