import { memo } from 'react';
import { parseAnsi } from '../lib/ansi.ts';

/** Script output with its ANSI colours, as styled spans (text only: output can never become markup). */
export const AnsiText = memo(function AnsiText({ text }: { text: string }) {
  return (
    <>
      {parseAnsi(text).map((segment, index) => {
        const classes = [
          segment.fg !== undefined && `ansi-fg-${segment.fg}`,
          segment.bg !== undefined && `ansi-bg-${segment.bg}`,
          segment.bold && 'ansi-bold',
          segment.dim && 'ansi-dim',
          segment.italic && 'ansi-italic',
          segment.underline && 'ansi-underline',
        ].filter(Boolean);
        return classes.length ? (
          <span key={index} className={classes.join(' ')}>
            {segment.text}
          </span>
        ) : (
          segment.text
        );
      })}
    </>
  );
});
