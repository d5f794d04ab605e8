// @ts-nocheck
/* Generated from schema/werf-mirror.schema.json by scripts/generate.mjs. Do not edit. */
"use strict";
export const validate = validate20;
export default validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://werf-mirror.dev/schema/werf-mirror.schema.json","title":"WerfMirrorConfig","description":"werf-mirror configuration: one place for the registry mirrors of every werf build backend and container runtime.","type":"object","additionalProperties":false,"required":["version"],"properties":{"$schema":{"type":"string","description":"Optional schema reference for editors."},"version":{"const":1,"description":"Configuration format version. Always 1."},"backend":{"enum":["auto","docker","buildah"],"default":"auto","description":"werf's container backend. auto: buildah when WERF_BUILDAH_MODE selects a Buildah mode, docker otherwise."},"registries":{"type":"object","description":"Mirrors per registry. Key: host[:port], host/namespace prefix, or *.example.com.","additionalProperties":{"$ref":"#/$defs/registry"}},"insecureRegistries":{"type":"array","description":"Registries reached over plain http or without TLS verification: host[:port] or an IPv4/IPv6 CIDR.","items":{"type":"string","minLength":1}},"unqualifiedSearchRegistries":{"type":"array","description":"Registries tried, in order, for short image names such as alpine (host[:port] only).","items":{"type":"string","minLength":1}},"preflight":{"$ref":"#/$defs/preflight"},"output":{"$ref":"#/$defs/output"}},"$defs":{"duration":{"type":"string","pattern":"^[0-9]+(\\.[0-9]+)?(ms|s|m)$","description":"A duration such as 500ms, 5s or 1m."},"pullPolicy":{"enum":["all","digest-only","tag-only"],"default":"all","description":"What a mirror serves: all pulls, only pulls by digest, or only pulls by tag."},"mirrorUrl":{"type":"string","minLength":1,"description":"Mirror URL. Scheme optional (https assumed); a path selects a namespaced proxy cache."},"mirrorObject":{"type":"object","additionalProperties":false,"required":["url"],"properties":{"url":{"$ref":"#/$defs/mirrorUrl"},"pull":{"$ref":"#/$defs/pullPolicy"},"insecure":{"type":"boolean","description":"Skip TLS verification for this mirror. Implied by http://."},"ca":{"type":"string","minLength":1,"description":"PEM CA file used to verify this mirror, relative to the config file."}}},"mirror":{"oneOf":[{"$ref":"#/$defs/mirrorUrl"},{"$ref":"#/$defs/mirrorObject"}]},"registry":{"type":"object","additionalProperties":false,"properties":{"mirrors":{"type":"array","items":{"$ref":"#/$defs/mirror"},"description":"Mirrors tried in order before the registry itself."},"fallback":{"type":"boolean","default":true,"description":"Try the registry itself after its mirrors."},"blocked":{"type":"boolean","default":false,"description":"Refuse pulls from this registry entirely."}}},"preflight":{"type":"object","additionalProperties":false,"properties":{"timeout":{"$ref":"#/$defs/duration","default":"5s","description":"Time limit of each probe."},"probe":{"type":"string","minLength":1,"description":"A manifest (repository:tag) that must exist on each docker.io mirror, e.g. library/alpine:latest."},"unhealthy":{"enum":["drop","warn","fail"],"default":"drop","description":"What to do with a mirror that fails its probe."},"order":{"enum":["declared","latency"],"default":"declared","description":"Order of healthy mirrors in what is handed on."},"minHealthy":{"type":"integer","minimum":0,"default":1,"description":"Healthy mirrors needed per registry that has mirrors."}}},"output":{"type":"object","additionalProperties":false,"properties":{"dir":{"type":"string","minLength":1,"default":".werf-mirror","description":"Directory for rendered files, preflight.json and the env file, relative to the config file."}}}}};
const schema40 = {"type":"object","additionalProperties":false,"properties":{"dir":{"type":"string","minLength":1,"default":".werf-mirror","description":"Directory for rendered files, preflight.json and the env file, relative to the config file."}}};
const schema32 = {"type":"object","additionalProperties":false,"properties":{"mirrors":{"type":"array","items":{"$ref":"#/$defs/mirror"},"description":"Mirrors tried in order before the registry itself."},"fallback":{"type":"boolean","default":true,"description":"Try the registry itself after its mirrors."},"blocked":{"type":"boolean","default":false,"description":"Refuse pulls from this registry entirely."}}};
const schema33 = {"oneOf":[{"$ref":"#/$defs/mirrorUrl"},{"$ref":"#/$defs/mirrorObject"}]};
const schema34 = {"type":"string","minLength":1,"description":"Mirror URL. Scheme optional (https assumed); a path selects a namespaced proxy cache."};
const schema35 = {"type":"object","additionalProperties":false,"required":["url"],"properties":{"url":{"$ref":"#/$defs/mirrorUrl"},"pull":{"$ref":"#/$defs/pullPolicy"},"insecure":{"type":"boolean","description":"Skip TLS verification for this mirror. Implied by http://."},"ca":{"type":"string","minLength":1,"description":"PEM CA file used to verify this mirror, relative to the config file."}}};
const schema37 = {"enum":["all","digest-only","tag-only"],"default":"all","description":"What a mirror serves: all pulls, only pulls by digest, or only pulls by tag."};

function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate23.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.url === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "url"},message:"must have required property '"+"url"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "url") || (key0 === "pull")) || (key0 === "insecure")) || (key0 === "ca"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.url !== undefined){
let data0 = data.url;
if(typeof data0 === "string"){
if(data0.length < 1){
const err2 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/mirrorUrl/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/mirrorUrl/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.pull !== undefined){
let data1 = data.pull;
if(!(((data1 === "all") || (data1 === "digest-only")) || (data1 === "tag-only"))){
const err4 = {instancePath:instancePath+"/pull",schemaPath:"#/$defs/pullPolicy/enum",keyword:"enum",params:{allowedValues: schema37.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.insecure !== undefined){
if(typeof data.insecure !== "boolean"){
const err5 = {instancePath:instancePath+"/insecure",schemaPath:"#/properties/insecure/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.ca !== undefined){
let data3 = data.ca;
if(typeof data3 === "string"){
if(data3.length < 1){
const err6 = {instancePath:instancePath+"/ca",schemaPath:"#/properties/ca/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/ca",schemaPath:"#/properties/ca/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}
validate23.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
let passing0 = null;
const _errs1 = errors;
if(typeof data === "string"){
if(data.length < 1){
const err0 = {instancePath,schemaPath:"#/$defs/mirrorUrl/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/$defs/mirrorUrl/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
if(_valid0){
valid0 = true;
passing0 = 0;
}
const _errs4 = errors;
if(!(validate23(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
var _valid0 = _errs4 === errors;
if(_valid0 && valid0){
valid0 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid0 = true;
passing0 = 1;
var props0 = true;
}
}
if(!valid0){
const err2 = {instancePath,schemaPath:"#/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate22.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate22.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "mirrors") || (key0 === "fallback")) || (key0 === "blocked"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.mirrors !== undefined){
let data0 = data.mirrors;
if(Array.isArray(data0)){
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
if(!(validate22(data0[i0], {instancePath:instancePath+"/mirrors/" + i0,parentData:data0,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
}
}
else {
const err1 = {instancePath:instancePath+"/mirrors",schemaPath:"#/properties/mirrors/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.fallback !== undefined){
if(typeof data.fallback !== "boolean"){
const err2 = {instancePath:instancePath+"/fallback",schemaPath:"#/properties/fallback/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.blocked !== undefined){
if(typeof data.blocked !== "boolean"){
const err3 = {instancePath:instancePath+"/blocked",schemaPath:"#/properties/blocked/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate21.errors = vErrors;
return errors === 0;
}
validate21.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema38 = {"type":"object","additionalProperties":false,"properties":{"timeout":{"$ref":"#/$defs/duration","default":"5s","description":"Time limit of each probe."},"probe":{"type":"string","minLength":1,"description":"A manifest (repository:tag) that must exist on each docker.io mirror, e.g. library/alpine:latest."},"unhealthy":{"enum":["drop","warn","fail"],"default":"drop","description":"What to do with a mirror that fails its probe."},"order":{"enum":["declared","latency"],"default":"declared","description":"Order of healthy mirrors in what is handed on."},"minHealthy":{"type":"integer","minimum":0,"default":1,"description":"Healthy mirrors needed per registry that has mirrors."}}};
const schema39 = {"type":"string","pattern":"^[0-9]+(\\.[0-9]+)?(ms|s|m)$","description":"A duration such as 500ms, 5s or 1m."};
const pattern4 = new RegExp("^[0-9]+(\\.[0-9]+)?(ms|s|m)$", "u");

function validate27(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate27.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((key0 === "timeout") || (key0 === "probe")) || (key0 === "unhealthy")) || (key0 === "order")) || (key0 === "minHealthy"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.timeout !== undefined){
let data0 = data.timeout;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err1 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(\\.[0-9]+)?(ms|s|m)$"},message:"must match pattern \""+"^[0-9]+(\\.[0-9]+)?(ms|s|m)$"+"\""};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.probe !== undefined){
let data1 = data.probe;
if(typeof data1 === "string"){
if(data1.length < 1){
const err3 = {instancePath:instancePath+"/probe",schemaPath:"#/properties/probe/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/probe",schemaPath:"#/properties/probe/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.unhealthy !== undefined){
let data2 = data.unhealthy;
if(!(((data2 === "drop") || (data2 === "warn")) || (data2 === "fail"))){
const err5 = {instancePath:instancePath+"/unhealthy",schemaPath:"#/properties/unhealthy/enum",keyword:"enum",params:{allowedValues: schema38.properties.unhealthy.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.order !== undefined){
let data3 = data.order;
if(!((data3 === "declared") || (data3 === "latency"))){
const err6 = {instancePath:instancePath+"/order",schemaPath:"#/properties/order/enum",keyword:"enum",params:{allowedValues: schema38.properties.order.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.minHealthy !== undefined){
let data4 = data.minHealthy;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err7 = {instancePath:instancePath+"/minHealthy",schemaPath:"#/properties/minHealthy/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 < 0 || isNaN(data4)){
const err8 = {instancePath:instancePath+"/minHealthy",schemaPath:"#/properties/minHealthy/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate27.errors = vErrors;
return errors === 0;
}
validate27.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://werf-mirror.dev/schema/werf-mirror.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.version === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((((((key0 === "$schema") || (key0 === "version")) || (key0 === "backend")) || (key0 === "registries")) || (key0 === "insecureRegistries")) || (key0 === "unqualifiedSearchRegistries")) || (key0 === "preflight")) || (key0 === "output"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.$schema !== undefined){
if(typeof data.$schema !== "string"){
const err2 = {instancePath:instancePath+"/$schema",schemaPath:"#/properties/%24schema/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.version !== undefined){
if(1 !== data.version){
const err3 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/const",keyword:"const",params:{allowedValue: 1},message:"must be equal to constant"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.backend !== undefined){
let data2 = data.backend;
if(!(((data2 === "auto") || (data2 === "docker")) || (data2 === "buildah"))){
const err4 = {instancePath:instancePath+"/backend",schemaPath:"#/properties/backend/enum",keyword:"enum",params:{allowedValues: schema31.properties.backend.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.registries !== undefined){
let data3 = data.registries;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
for(const key1 in data3){
if(!(validate21(data3[key1], {instancePath:instancePath+"/registries/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data3,parentDataProperty:key1,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
}
else {
const err5 = {instancePath:instancePath+"/registries",schemaPath:"#/properties/registries/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.insecureRegistries !== undefined){
let data5 = data.insecureRegistries;
if(Array.isArray(data5)){
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 === "string"){
if(data6.length < 1){
const err6 = {instancePath:instancePath+"/insecureRegistries/" + i0,schemaPath:"#/properties/insecureRegistries/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/insecureRegistries/" + i0,schemaPath:"#/properties/insecureRegistries/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/insecureRegistries",schemaPath:"#/properties/insecureRegistries/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.unqualifiedSearchRegistries !== undefined){
let data7 = data.unqualifiedSearchRegistries;
if(Array.isArray(data7)){
const len1 = data7.length;
for(let i1=0; i1<len1; i1++){
let data8 = data7[i1];
if(typeof data8 === "string"){
if(data8.length < 1){
const err9 = {instancePath:instancePath+"/unqualifiedSearchRegistries/" + i1,schemaPath:"#/properties/unqualifiedSearchRegistries/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/unqualifiedSearchRegistries/" + i1,schemaPath:"#/properties/unqualifiedSearchRegistries/items/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/unqualifiedSearchRegistries",schemaPath:"#/properties/unqualifiedSearchRegistries/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.preflight !== undefined){
if(!(validate27(data.preflight, {instancePath:instancePath+"/preflight",parentData:data,parentDataProperty:"preflight",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.output !== undefined){
let data10 = data.output;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
for(const key2 in data10){
if(!(key2 === "dir")){
const err12 = {instancePath:instancePath+"/output",schemaPath:"#/$defs/output/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data10.dir !== undefined){
let data11 = data10.dir;
if(typeof data11 === "string"){
if(data11.length < 1){
const err13 = {instancePath:instancePath+"/output/dir",schemaPath:"#/$defs/output/properties/dir/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/output/dir",schemaPath:"#/$defs/output/properties/dir/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/output",schemaPath:"#/$defs/output/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}
validate20.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};
