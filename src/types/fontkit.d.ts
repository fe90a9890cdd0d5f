/** The one fontkit call Billow makes (pdfkit brings fontkit; it ships no types). */
declare module 'fontkit' {
  export function create(buffer: Uint8Array, postscriptName?: string): unknown;
}
