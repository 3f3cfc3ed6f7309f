import { InputError } from '@backstage/errors';
import express, { Request } from 'express';

/**
 * JSON bodies up to 16 KiB; a body that is not JSON, or too large, is the
 * caller's mistake (a 400 that says so), not a 500.
 */
export function jsonBody(): express.RequestHandler[] {
  return [
    express.json({ limit: '16kb' }),
    ((
      error: { type?: string; status?: number },
      _req: Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error?.type === 'entity.too.large') {
        next(new InputError('Invalid request: the body is larger than 16 KiB'));
      } else if (error?.type === 'entity.parse.failed') {
        next(new InputError('Invalid request: the body is not JSON'));
      } else {
        next(error);
      }
    }) as unknown as express.RequestHandler,
  ];
}
