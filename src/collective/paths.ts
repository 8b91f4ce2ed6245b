// The collective server's API paths (docs/collective.md), shared by the server and its clients.
export const UPLOADS_PATH = '/api/v1/uploads';
export const MEMBER_PATH = '/api/v1/member';
