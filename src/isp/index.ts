// Which ISP am I on, offline: ASN data, the Greek ISP table, and the resolvers to measure.
export { answerAsns } from './answers.js';
export { asnDataInfo, asnOf, defaultAsnTable, openAsnDb, openAsnTable } from './asn.js';
export type { AsnDataInfo, AsnDb, AsnInfo } from './asn-db.js';
export { AsnDataError } from './errors.js';
export { blockpageOwner, greekIsps, identifyIsp, ispById, ispFingerprints, type GreekIsp, type IspMatch } from './greek-isps.js';
export { openMmdbAsn } from './mmdb.js';
export { isRelayAddress, parseResolvConf, resolversToMeasure, type ResolverPlan, type ResolverToMeasure } from './resolvers.js';
